import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineTool, memoryStore, TroupeError, type Team, type TroupeEvent } from "@troupe/core";
import { callTool, ScriptedModel } from "@troupe/testing";
import { loadTeam } from "../index.js";

interface Flow {
  ledger: string[];
  failShip?: boolean;
  transientCharges?: number;
  slowChargeMs?: number;
}

/** reserve (an agent's tool), then charge and ship (graph tool nodes); all three can be undone. */
function tools(flow: Flow) {
  let charges = 0;
  const reserve = defineTool({
    name: "reserve",
    description: "Reserves stock",
    input: z.object({ sku: z.string() }),
    run: ({ sku }) => (flow.ledger.push(`reserve ${sku}`), `reserved ${sku}`),
    compensate: ({ sku }) => void flow.ledger.push(`release ${sku}`),
  });
  const charge = defineTool({
    name: "charge",
    description: "Charges the card",
    input: z.object({ amount: z.number() }),
    approval: ({ amount }) =>
      amount > 100 ? { reason: `charge of ${amount} EUR`, approvers: ["finance"], slaMs: 60_000 } : undefined,
    run: async ({ amount }, { signal }) => {
      if (++charges <= (flow.transientCharges ?? 0)) throw new TroupeError("TOOL_TRANSIENT", "card network busy");
      if (flow.slowChargeMs && charges === 1) {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, flow.slowChargeMs);
          signal.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), { once: true });
        });
      }
      flow.ledger.push(`charge ${amount}`);
      return { chargeId: `ch-${amount}` };
    },
    compensate: (_input, output) => void flow.ledger.push(`refund ${(output as { chargeId: string }).chargeId}`),
  });
  const ship = defineTool({
    name: "ship",
    description: "Ships the order",
    input: z.object({ to: z.string() }),
    run: ({ to }) => {
      if (flow.failShip) throw new Error(`no courier for ${to}`);
      flow.ledger.push(`ship ${to}`);
      return "shipped";
    },
  });
  return [reserve, charge, ship];
}

async function orderTeam(flow: Flow, amount: number, resilience: Record<string, unknown> = {}): Promise<Team> {
  const raw = {
    name: "orders",
    pattern: "custom",
    agents: { desk: { description: "Reserves stock", instructions: "Reserve the order.", tools: ["reserve"] } },
    resilience: { retry: { maxRetries: 0, baseDelayMs: 0, maxDelayMs: 0 }, ...resilience },
    graph: {
      entry: "reserve",
      nodes: {
        reserve: { agent: "desk", task: "Reserve lamp-3" },
        charge: { tool: "charge", input: { amount } },
        ship: { tool: "ship", input: { to: "Berlin" } },
      },
      edges: [
        { from: "reserve", to: "charge" },
        { from: "charge", to: "ship" },
        { from: "ship", to: "end" },
      ],
    },
  };
  const model = new ScriptedModel({
    desk: [callTool("reserve", { sku: "lamp-3" }), "reserved", callTool("reserve", { sku: "lamp-3" }), "reserved"],
  });
  return loadTeam({ raw, baseDir: process.cwd() }, { store: memoryStore(), model, tools: tools(flow) });
}

async function collect(events: AsyncIterable<TroupeEvent>): Promise<TroupeEvent[]> {
  const all: TroupeEvent[] = [];
  for await (const e of events) all.push(e);
  return all;
}

describe("graph tool: nodes keep the tool contract", () => {
  it("a tool node whose tool wants approval waits for a person; approved, it runs once and the run completes", async () => {
    const flow: Flow = { ledger: [] };
    const team = await orderTeam(flow, 250);
    try {
      const first = await team.run("order", { threadId: "a1" });
      expect(first.status).toBe("interrupted");
      expect(flow.ledger).toEqual(["reserve lamp-3"]);
      const [pending] = await team.approvals.pending("a1");
      expect(pending).toMatchObject({ tool: "charge", assignee: "finance", reason: "charge of 250 EUR" });
      await expect(team.run("another order", { threadId: "a1" })).rejects.toMatchObject({
        code: "THREAD_AWAITING_APPROVAL",
      });

      const decided = await team.decide("a1", { approved: true, by: "finance", approvalId: pending!.id });
      expect(decided.status).toBe("completed");
      expect(flow.ledger).toEqual(["reserve lamp-3", "charge 250", "ship Berlin"]);
    } finally {
      await team.close();
    }
  });

  it("rejected, the tool never runs, the run fails APPROVAL_REJECTED and the agent's reservation is released", async () => {
    const flow: Flow = { ledger: [] };
    const team = await orderTeam(flow, 250);
    try {
      await team.run("order", { threadId: "a2" });
      const result = await team
        .decide("a2", { approved: false, by: "finance", comment: "over budget" })
        .catch((e: unknown) => e as TroupeError);
      expect((result as TroupeError).code).toBe("APPROVAL_REJECTED");
      expect(flow.ledger).toEqual(["reserve lamp-3", "release lamp-3"]);
    } finally {
      await team.close();
    }
  });

  it("retries a transient failure under the tool's policy and performs the charge once", async () => {
    const flow: Flow = { ledger: [], transientCharges: 1 };
    const team = await orderTeam(flow, 40, {
      tools: { charge: { retry: { maxRetries: 1, baseDelayMs: 0, maxDelayMs: 0 } } },
    });
    try {
      const events = await collect(team.stream("order", { threadId: "r1" }));
      expect(
        events
          .filter((e) => e.type === "retry")
          .map((e) => [(e as { scope: string }).scope, (e as { name: string }).name]),
      ).toEqual([["tool", "charge"]]);
      expect(flow.ledger).toEqual(["reserve lamp-3", "charge 40", "ship Berlin"]);
    } finally {
      await team.close();
    }
  });

  it("a timed-out attempt is aborted (TOOL_TIMEOUT) and the retry's charge is the only one", async () => {
    const flow: Flow = { ledger: [], slowChargeMs: 500 };
    const team = await orderTeam(flow, 40, {
      tools: { charge: { timeoutMs: 50, retry: { maxRetries: 1, baseDelayMs: 0, maxDelayMs: 0 } } },
    });
    try {
      const events = await collect(team.stream("order", { threadId: "t1" }));
      expect(
        events.filter((e) => e.type === "retry").map((e) => (e as { error: { code: string } }).error.code),
      ).toEqual(["TOOL_TIMEOUT"]);
      await new Promise((r) => setTimeout(r, 550));
      expect(flow.ledger).toEqual(["reserve lamp-3", "charge 40", "ship Berlin"]);
    } finally {
      await team.close();
    }
  });

  it("a failing tool node fails the run TOOL_FAILED with the tool's message, is dead-lettered, and the saga is undone in reverse order (graph and agent steps)", async () => {
    const flow: Flow = { ledger: [], failShip: true };
    const team = await orderTeam(flow, 40);
    try {
      const events = await collect(team.stream("order", { threadId: "f1" }));
      const failed = events.find((e) => e.type === "run.failed") as
        { error: { code: string; message: string } } | undefined;
      expect(failed?.error.code).toBe("TOOL_FAILED");
      expect(failed?.error.message).toContain("no courier for Berlin");
      expect(flow.ledger).toEqual(["reserve lamp-3", "charge 40", "refund ch-40", "release lamp-3"]);
      expect(events.filter((e) => e.type === "saga.compensated").map((e) => (e as { tool: string }).tool)).toEqual([
        "charge",
        "reserve",
      ]);
      const letters = await team.deadLetters.list();
      expect(letters.map((l) => [l.kind, l.subject, l.error.code])).toEqual([["tool", "ship", "TOOL_FAILED"]]);
    } finally {
      await team.close();
    }
  });

  it("cancel while a tool node waits for approval undoes what ran before it", async () => {
    const flow: Flow = { ledger: [] };
    const team = await orderTeam(flow, 250);
    try {
      await team.run("order", { threadId: "c1" });
      await team.cancel("c1").catch(() => undefined);
      expect(flow.ledger).toEqual(["reserve lamp-3", "release lamp-3"]);
      expect((await team.status("c1"))?.state).toBe("cancelled");
    } finally {
      await team.close();
    }
  });
});
