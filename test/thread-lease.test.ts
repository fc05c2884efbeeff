import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineAgent, defineTool, isTroupeError, memoryStore, type TeamStore, type TroupeEvent } from "@troupe/core";
import { sqliteStore } from "@troupe/store-sqlite";
import { supervisor } from "@troupe/patterns";
import { ScriptedModel, callTool, delegate, finish } from "@troupe/testing";

/** A lead that delegates one task to a worker whose tool takes `holdMs`, then finishes with the input. */
function team(store: TeamStore, log: string[], holdMs = 150) {
  const slow = defineTool({
    name: "slow",
    description: "Works slowly",
    input: z.object({ job: z.string() }),
    run: async ({ job }, ctx) => {
      ctx.signal.throwIfAborted();
      log.push(`start ${job}`);
      await new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, holdMs);
        ctx.signal.addEventListener("abort", () => (clearTimeout(timer), reject(ctx.signal.reason)), { once: true });
      });
      log.push(`end ${job}`);
      return job;
    },
  });
  // the latest user text: this turn's input for the lead, the task for the worker
  const firstText = (r: { messages: Array<{ content: Array<{ type: string; text?: string }> }> }) =>
    r.messages
      .flatMap((m) => m.content)
      .filter((b) => b.type === "text" && b.text)
      .at(-1)
      ?.text?.split("\n")[0] ?? "";
  const model = new ScriptedModel({
    lead: Array.from(
      { length: 20 },
      () => (r: Parameters<typeof firstText>[0] & { messages: Array<{ content: Array<{ type: string }> }> }) => {
        const done = r.messages.at(-1)?.content.at(-1)?.type === "tool_result";
        return done ? finish(`done: ${firstText(r)}`) : delegate("worker", firstText(r));
      },
    ),
    worker: Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0 ? (r: Parameters<typeof firstText>[0]) => callTool("slow", { job: firstText(r) }) : "worked",
    ),
  });
  const lead = defineAgent({ name: "lead", description: "Leads", instructions: "Lead.", model });
  const worker = defineAgent({ name: "worker", description: "Works", instructions: "Work.", tools: [slow], model });
  return supervisor({ name: "leases", lead, workers: [worker], store, lease: { ttlMs: 400 } });
}

describe("one active run per thread", () => {
  it("a second team.run on a busy thread fails at once with THREAD_BUSY naming the holder", async () => {
    const log: string[] = [];
    const t = team(memoryStore(), log);
    const first = t.run("one", { threadId: "busy" });
    await new Promise((r) => setTimeout(r, 30));
    const second = await t.run("two", { threadId: "busy" }).catch((e: unknown) => e);
    expect(isTroupeError(second, "THREAD_BUSY")).toBe(true);
    expect((second as Error).message).toMatch(new RegExp(`pid ${process.pid} on host .* has held it for a run since`));
    expect((await first).output).toBe("done: one");
    expect(log).toEqual(["start one", "end one"]);
  });

  it("with wait, both turns land in order and history keeps both", async () => {
    const log: string[] = [];
    const store = sqliteStore(join(mkdtempSync(join(tmpdir(), "lease-")), "s.sqlite"));
    const t = team(store, log);
    const [a, b] = await Promise.all([
      t.run("one", { threadId: "w", wait: true }),
      new Promise((r) => setTimeout(r, 20)).then(() => t.run("two", { threadId: "w", wait: 5000 })),
    ]);
    expect([a.output, b.output]).toEqual(["done: one", "done: two"]);
    expect(log).toEqual(["start one", "end one", "start two", "end two"]);
    const state = await t.state("w");
    expect(state?.userTurn).toBe(2);
    const inputs = (await t.history("w")).filter((c) => c.source === "input");
    expect(inputs).toHaveLength(2);
    await t.close();
  });

  it("a thread waiting for approval refuses a new turn; approve by id resumes that call", async () => {
    const paid: number[] = [];
    const pay = defineTool({
      name: "pay",
      description: "Pay",
      input: z.object({ usd: z.number() }),
      approval: ({ usd }) => (usd > 10 ? { reason: "large", approvers: ["boss"], slaMs: 60_000 } : undefined),
      run: ({ usd }) => (paid.push(usd), `paid ${usd}`),
    });
    const model = new ScriptedModel({ lead: [callTool("pay", { usd: 50 }), finish("paid 50"), finish("second turn")] });
    const lead = defineAgent({ name: "lead", description: "Leads", instructions: "Lead.", tools: [pay], model });
    const helper = defineAgent({ name: "helper", description: "Helps", instructions: "Help.", model });
    const t = supervisor({ name: "pay", lead, workers: [helper], store: memoryStore() });
    expect((await t.run("pay 50", { threadId: "ap" })).status).toBe("interrupted");
    const [pending] = await t.approvals.pending("ap");
    const refused = await t.run("something else", { threadId: "ap" }).catch((e: unknown) => e);
    expect(isTroupeError(refused, "THREAD_AWAITING_APPROVAL")).toBe(true);
    expect((refused as Error).message).toContain(`troupe approve|reject ap --id ${pending!.id} --as boss`);
    const wrong = await t.decide("ap", { approved: true, by: "boss", approvalId: "nope" }).catch((e: unknown) => e);
    expect((wrong as Error).message).toContain(`no pending approval "nope"; pending: ${pending!.id}`);
    const events: TroupeEvent[] = [];
    for await (const ev of t.decideStream("ap", { approved: true, by: "boss", approvalId: pending!.id }))
      events.push(ev);
    expect(events.map((e) => e.type)).toContain("approval.decided");
    expect(events.at(-1)).toMatchObject({ type: "run.completed", output: "paid 50" });
    expect(paid).toEqual([50]);
    expect((await t.run("again", { threadId: "ap" })).output).toBe("second turn");
  });

  it("breaking out of team.stream cancels the run by default; onBreak: detach lets it finish", async () => {
    const log: string[] = [];
    const t = team(memoryStore(), log, 300);
    for await (const ev of t.stream("one", { threadId: "brk" })) {
      if (ev.type === "agent.started" && ev.agent === "worker") break;
    }
    expect((await t.status("brk"))?.state).toBe("cancelled");
    // the worker's tool was aborted (or never started): it never finished
    expect(log).not.toContain("end one");

    const detached: string[] = [];
    const d = team(memoryStore(), detached, 100);
    for await (const ev of d.stream("two", { threadId: "det", onBreak: "detach" }))
      if (ev.type === "agent.started" && ev.agent === "worker") break;
    const done = await d.run("three", { threadId: "det", wait: 5000 });
    expect(done.output).toBe("done: three");
    expect(detached).toEqual(["start two", "end two", "start three", "end three"]);
  });

  it("a lease that lapses (owner stopped heartbeating) shows as interrupted, and a new turn is refused", async () => {
    const store = memoryStore();
    const log: string[] = [];
    const t = team(store, log);
    // a run that a dead process left behind: lifecycle says running, its lease is past its TTL
    await store.docs.put("run_lifecycle", "orphan", "orphan", { state: "running", runId: "r0", snapshot: undefined });
    await store.leases.acquire("orphan", { owner: "r0", host: "elsewhere", pid: 4242, purpose: "run" }, 1);
    await new Promise((r) => setTimeout(r, 10));
    const status = await t.status("orphan");
    expect(status).toMatchObject({
      state: "interrupted",
      ownerLost: { stalled: "running", lease: { pid: 4242, host: "elsewhere" } },
    });
    expect(status?.ownerLost?.summary).toMatch(
      /^owner pid 4242 on host elsewhere stopped heartbeating at .* while running; troupe resume orphan finishes it/,
    );
    const refused = await t.run("new turn", { threadId: "orphan" }).catch((e: unknown) => e);
    expect(isTroupeError(refused, "THREAD_UNFINISHED")).toBe(true);
    expect((refused as Error).message).toContain("pid 4242 on host elsewhere, which stopped heartbeating");
  });
});

describe("redrive under the lease", () => {
  it("a redrive refused with THREAD_BUSY leaves its dead letter open; once the thread is free it redrives", async () => {
    const { loadTeam } = await import("@troupe/patterns");
    const { hostname } = await import("node:os");
    const spec = join(import.meta.dirname, "../examples/order-saga/team.yaml");
    const dir = mkdtempSync(join(tmpdir(), "lease-redrive-"));
    process.env.ORDER_LEDGER = join(dir, "ledger.jsonl");
    process.env.ORDER_FAIL_AT = "ship";
    const store = memoryStore();
    const t = await loadTeam(spec, { store, env: {}, lease: { ttlMs: 60_000 } });
    try {
      await expect(t.run("Order 1 lamp to Oslo", { threadId: "rd-1" })).rejects.toMatchObject({ code: "TOOL_FAILED" });
      const [letter] = (await t.deadLetters.list()).filter((l) => l.kind === "agent");
      expect(letter).toMatchObject({ status: "open", subject: "shipping" });
      // another live process holds the thread
      await store.leases.acquire(
        "rd-1",
        { owner: "other-run", host: hostname(), pid: process.pid, purpose: "run" },
        60_000,
      );
      await expect(t.redrive(letter!.id)).rejects.toMatchObject({ code: "THREAD_BUSY" });
      expect((await t.deadLetters.get(letter!.id))?.status).toBe("open");

      await store.leases.release("rd-1", "other-run");
      delete process.env.ORDER_FAIL_AT;
      const redriven = await t.redrive(letter!.id);
      expect("status" in redriven && redriven.status).toBe("completed");
      expect((await t.deadLetters.get(letter!.id))?.status).toBe("redriven");
    } finally {
      delete process.env.ORDER_FAIL_AT;
      await t.close();
    }
  });
});
