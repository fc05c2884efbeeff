import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineTool,
  isTroupeError,
  memoryStore,
  TroupeError,
  type CallInfo,
  type Interceptor,
  type Team,
  type TroupeEvent,
} from "@troupe/core";
import { loadTeam } from "@troupe/patterns";
import { callTool, delegate, finish, ScriptedModel, type ScriptedTurn } from "@troupe/testing";

const ROOT = resolve(import.meta.dirname, "..");
const ORDER_SAGA = join(ROOT, "examples/order-saga/team.yaml");

/** An interceptor that records each attempt it sees as [kind, name, attempt, "ok" | error code]. */
function recorder() {
  const seen: Array<[CallInfo["kind"], string, number, string]> = [];
  const interceptor: Interceptor = async (call, next) => {
    try {
      const value = await next();
      seen.push([call.kind, call.name, call.attempt, "ok"]);
      return value;
    } catch (error) {
      seen.push([call.kind, call.name, call.attempt, (error as TroupeError).code ?? "untyped"]);
      throw error;
    }
  };
  return { seen, interceptor };
}

const count = defineTool({
  name: "count",
  description: "Count items",
  input: z.object({ what: z.string() }),
  run: ({ what }) => `${what}: 12`,
});

const finishWithWorkerAnswer: ScriptedTurn = (request) => {
  const results = request.messages.flatMap((m) => m.content).filter((b) => b.type === "tool_result");
  return finish(`team says: ${results.at(-1)?.content ?? "(nothing)"}`);
};

const agents = {
  lead: { description: "Leads the team", instructions: "Delegate, then finish." },
  worker: { description: "Does the work", instructions: "Count with the tool.", tools: ["count"] },
  backup: { description: "Stands in for the worker", instructions: "Do the task." },
};

async function team(model: ScriptedModel, interceptors: Interceptor[], resilience: Record<string, unknown> = {}) {
  const raw = { name: "counted", pattern: "supervisor", supervisor: "lead", agents, resilience };
  return track(
    await loadTeam({ raw, baseDir: process.cwd() }, { store: memoryStore(), model, tools: [count], interceptors }),
  );
}

let open: Team[] = [];
afterEach(async () => {
  await Promise.all(open.map((t) => t.close()));
  open = [];
  delete process.env.ORDER_LEDGER;
});
const track = (t: Team) => (open.push(t), t);

describe("user interceptors (TeamOptions.interceptors)", () => {
  it("see every agent, model and tool call of a supervisor run, inner calls before the agent call that made them", async () => {
    const model = new ScriptedModel({
      lead: [delegate("worker", "count the lamps"), finishWithWorkerAnswer],
      worker: [callTool("count", { what: "lamps" }), "12 lamps"],
    });
    const { seen, interceptor } = recorder();
    const t = await team(model, [interceptor]);
    const result = await t.run("How many lamps?", { threadId: "i1" });

    expect(result.output).toBe("team says: 12 lamps");
    expect(seen).toEqual([
      ["model", "scripted", 0, "ok"],
      ["agent", "lead", 0, "ok"],
      ["model", "scripted", 0, "ok"],
      ["tool", "count", 0, "ok"],
      ["model", "scripted", 0, "ok"],
      ["agent", "worker", 0, "ok"],
      ["model", "scripted", 0, "ok"],
      ["agent", "lead", 0, "ok"],
    ]);
  });

  it("see the compensation calls of the order-saga example's failing run", async () => {
    process.env.ORDER_LEDGER = join(mkdtempSync(join(tmpdir(), "order-")), "ledger.jsonl");
    const { seen, interceptor } = recorder();
    const t = track(
      await loadTeam(ORDER_SAGA, {
        store: memoryStore(),
        env: {},
        onNotice: () => undefined,
        interceptors: [interceptor],
      }),
    );
    const error = await t.run("Order 3 lamps to Atlantis", { threadId: "order-1" }).catch((e: unknown) => e);

    expect(isTroupeError(error, "TOOL_FAILED")).toBe(true);
    expect(seen.filter(([kind]) => kind === "tool")).toEqual([
      ["tool", "reserve_inventory", 0, "ok"],
      ["tool", "charge_payment", 0, "ok"],
      ["tool", "ship_order", 0, "TOOL_FAILED"],
    ]);
    expect(seen.filter(([kind]) => kind === "compensation")).toEqual([
      ["compensation", "charge_payment", 0, "ok"],
      ["compensation", "reserve_inventory", 0, "ok"],
    ]);
  });

  it("a typed error thrown by an interceptor fails the call like any other failure: retried, then the fallback agent answers", async () => {
    const model = new ScriptedModel({
      lead: [delegate("worker", "count the lamps"), finishWithWorkerAnswer],
      backup: ["12 lamps (backup)"],
    });
    const switchedOff: Interceptor = (call, next) => {
      if (call.kind === "agent" && call.name === "worker")
        throw new TroupeError("AGENT_UNAVAILABLE", "worker is switched off for maintenance");
      return next();
    };
    const t = await team(model, [switchedOff], {
      retry: { maxRetries: 1, baseDelayMs: 0 },
      agents: { worker: { fallback: "backup" } },
    });
    const events: TroupeEvent[] = [];
    for await (const event of t.stream("How many lamps?", { threadId: "i2" })) events.push(event);

    const retries = events.flatMap((e) => (e.type === "retry" ? [[e.scope, e.name, e.attempt, e.error.code]] : []));
    expect(retries).toEqual([["agent", "worker", 1, "AGENT_UNAVAILABLE"]]);
    const fallbacks = events.flatMap((e) => (e.type === "fallback" ? [[e.from, e.to, e.reason.code]] : []));
    expect(fallbacks).toEqual([["worker", "backup", "AGENT_UNAVAILABLE"]]);
    expect(events.find((e) => e.type === "run.completed")).toMatchObject({ output: "team says: 12 lamps (backup)" });
    expect(model.callsBy("worker")).toEqual([]);
  });

  it("a final error thrown by an interceptor fails a tool call: the model gets the error, the run carries on", async () => {
    const model = new ScriptedModel({
      lead: [delegate("worker", "count the lamps"), finishWithWorkerAnswer],
      worker: [callTool("count", { what: "lamps" }), "could not count"],
    });
    const denied: Interceptor = (call, next) => {
      if (call.kind === "tool") throw new TroupeError("TOOL_FAILED", `tool ${call.name} is not allowed here`);
      return next();
    };
    const t = await team(model, [denied]);
    const events: TroupeEvent[] = [];
    for await (const event of t.stream("How many lamps?", { threadId: "i3" })) events.push(event);

    const called = events.flatMap((e) => (e.type === "tool.called" ? [[e.tool, e.error?.code]] : []));
    expect(called).toEqual([["count", "TOOL_FAILED"]]);
    const [, second] = model.callsBy("worker");
    const result = second?.messages.flatMap((m) => m.content).find((b) => b.type === "tool_result");
    expect(result).toMatchObject({ isError: true, content: "tool count is not allowed here" });
    expect(events.find((e) => e.type === "run.completed")).toMatchObject({ output: "team says: could not count" });
  });
});
