import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineAgent, defineTool, isTroupeError, memoryStore, type TeamStore, type TroupeEvent } from "@troupe/core";
import { sqliteStore } from "@troupe/store-sqlite";
import { supervisor } from "@troupe/patterns";
import { ScriptedModel, callTool, delegate, finish } from "@troupe/testing";

function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

function roomTools(tools: { hold?: Promise<void>; log: string[] }) {
  const book = defineTool({
    name: "book",
    description: "Book a room",
    input: z.object({ room: z.string() }),
    run: ({ room }) => {
      tools.log.push(`book ${room}`);
      return { booked: room };
    },
    compensate: ({ room }) => {
      tools.log.push(`unbook ${room}`);
    },
  });
  const wait = defineTool({
    name: "wait",
    description: "Wait for the venue",
    input: z.object({}),
    run: async (_input, ctx) => {
      tools.log.push("wait started");
      await new Promise<void>((resolve, reject) => {
        tools.hold?.then(resolve);
        ctx.signal.addEventListener("abort", () => {
          tools.log.push("wait aborted");
          reject(ctx.signal.reason);
        });
      });
      return "venue ready";
    },
  });
  return [book, wait] as const;
}

function team(model: ScriptedModel, store: TeamStore, tools: { hold?: Promise<void>; log: string[] }) {
  const [book, wait] = roomTools(tools);
  const lead = defineAgent({ name: "lead", description: "Leads", instructions: "Lead.", model });
  const planner = defineAgent({
    name: "planner",
    description: "Plans",
    instructions: "Plan.",
    tools: [book, wait],
    model,
  });
  return supervisor({ name: "events", lead, workers: [planner], store, controlPollMs: 20 });
}

describe("run lifecycle", () => {
  it("pause drains at the next step boundary; resume finishes the run from the checkpoint", async () => {
    const slow = new ScriptedModel({
      lead: [delegate("planner", "book room A"), finish("done")],
      planner: [callTool("book", { room: "A" }), "booked A"],
    });
    const log: string[] = [];
    const t = team(slow, memoryStore(), { log });
    const events: TroupeEvent[] = [];
    const stream = t.stream("plan the offsite", { threadId: "p1" });
    for await (const ev of stream) {
      events.push(ev);
      if (ev.type === "agent.started" && ev.agent === "planner") await t.pause("p1");
    }
    expect(events.at(-1)?.type).toBe("run.paused");
    expect((await t.status("p1"))?.state).toBe("paused");
    const paused = await t.result("p1");
    expect(paused?.status).toBe("paused");
    expect(paused?.steps.map((s) => s.agent)).toEqual(["lead", "planner"]);

    const resumed = await t.resume("p1");
    expect(resumed.status).toBe("completed");
    expect(resumed.output).toBe("done");
    expect(resumed.steps.map((s) => s.agent)).toEqual(["lead", "planner", "lead"]);
    expect(log).toEqual(["book A"]);
    expect((await t.status("p1"))?.state).toBe("completed");
  });

  it("cancel aborts the in-flight tool call and compensates completed saga steps", async () => {
    const log: string[] = [];
    const model = new ScriptedModel({
      lead: [delegate("planner", "book and wait")],
      planner: [callTool("book", { room: "B" }), callTool("wait", {})],
    });
    const t = team(model, memoryStore(), { log, hold: new Promise(() => undefined) });
    const done = t.run("plan", { threadId: "c1" }).catch((e: unknown) => e);
    for (let i = 0; i < 200 && !log.includes("wait started"); i++) await new Promise((r) => setTimeout(r, 10));
    await t.cancel("c1");
    const error = await done;
    expect(isTroupeError(error, "CANCELLED")).toBe(true);
    expect(log).toEqual(["book B", "wait started", "wait aborted", "unbook B"]);
    expect((await t.status("c1"))?.state).toBe("cancelled");
  });

  it("another process can pause a run and cancel it while it is paused", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "lifecycle-")), "s.sqlite");
    const log: string[] = [];
    const hold = gate();
    const model = new ScriptedModel({
      lead: [delegate("planner", "book C"), finish("never")],
      planner: [callTool("book", { room: "C" }), callTool("wait", {}), "ok"],
    });
    const here = team(model, sqliteStore(file), { log, hold: hold.opened });
    const other = team(new ScriptedModel({}), sqliteStore(file), { log });
    const done = here.run("plan", { threadId: "x1" });
    for (let i = 0; i < 200 && !log.includes("wait started"); i++) await new Promise((r) => setTimeout(r, 10));
    await other.pause("x1");
    await new Promise((r) => setTimeout(r, 60));
    hold.open();
    const paused = await done;
    expect(paused.status).toBe("paused");

    const cancelled = await other.cancel("x1");
    expect(cancelled?.status).toBe("cancelled");
    expect(log).toEqual(["book C", "wait started", "unbook C"]);
    expect((await other.status("x1"))?.state).toBe("cancelled");
    const resume = await other.resume("x1").catch((e: unknown) => e);
    expect(isTroupeError(resume, "RUN_NOT_RESUMABLE")).toBe(true);
    await here.close();
    await other.close();
  });
});

describe("a streamed run's result", () => {
  it("team.stream gives the run's result: completed, or cancelled with its saga undone", async () => {
    const done = team(
      new ScriptedModel({
        lead: [delegate("planner", "book room D"), finish("done")],
        planner: [callTool("book", { room: "D" }), "booked D"],
      }),
      memoryStore(),
      { log: [] },
    );
    const run = done.stream("plan", { threadId: "s1" });
    const types: string[] = [];
    for await (const ev of run) types.push(ev.type);
    expect(types.at(-1)).toBe("run.completed");
    expect(await run.result).toMatchObject({ threadId: "s1", status: "completed", output: "done" });
    expect((await run.result).steps.map((s) => s.agent)).toEqual(["lead", "planner", "lead"]);

    const log: string[] = [];
    const held = team(
      new ScriptedModel({
        lead: [delegate("planner", "book and wait")],
        planner: [callTool("book", { room: "E" }), callTool("wait", {})],
      }),
      memoryStore(),
      { log, hold: new Promise(() => undefined) },
    );
    const cancelled = held.stream("plan", { threadId: "s2" });
    const read = (async () => {
      for await (const _ of cancelled);
    })();
    for (let i = 0; i < 200 && !log.includes("wait started"); i++) await new Promise((r) => setTimeout(r, 10));
    await held.cancel("s2");
    await read;
    expect(await cancelled.result).toMatchObject({ status: "cancelled" });
    expect(log).toEqual(["book E", "wait started", "wait aborted", "unbook E"]);
  });

  it("the result of a run that could not start rejects with its error, and the events end with run.failed", async () => {
    const store = memoryStore();
    const t = team(new ScriptedModel({}), store, { log: [] });
    const run = t.resumeStream("nothing-here");
    const types: string[] = [];
    for await (const ev of run) types.push(ev.type);
    expect(types).toEqual(["run.failed"]);
    await expect(run.result).rejects.toMatchObject({ code: "RUN_NOT_RESUMABLE" });
  });
});

describe("run timeout", () => {
  it("limits.runTimeoutMs aborts in-flight calls, compensates, and fails the run with RUN_TIMEOUT", async () => {
    const { loadTeam } = await import("@troupe/patterns");
    const log: string[] = [];
    const model = new ScriptedModel({
      lead: [delegate("planner", "book and wait")],
      planner: [callTool("book", { room: "T" }), callTool("wait", {})],
    });
    const raw = {
      name: "timed",
      pattern: "supervisor",
      supervisor: "lead",
      agents: {
        lead: { description: "Leads", instructions: "Lead." },
        planner: { description: "Plans", instructions: "Plan.", tools: ["book", "wait"] },
      },
      limits: { runTimeoutMs: 150 },
    };
    const tools = roomTools({ log, hold: new Promise(() => undefined) });
    const timed = await loadTeam({ raw, baseDir: process.cwd() }, { store: memoryStore(), model, tools: [...tools] });
    const error = await timed.run("plan", { threadId: "rt" }).catch((e: unknown) => e);
    expect(isTroupeError(error, "RUN_TIMEOUT")).toBe(true);
    expect(log).toEqual(["book T", "wait started", "wait aborted", "unbook T"]);
    expect((await timed.status("rt"))?.state).toBe("failed");
  });
});

describe("control requests", () => {
  it("pause or cancel of a thread that is not running is refused, and never reaches a later run", async () => {
    const log: string[] = [];
    const model = new ScriptedModel({ lead: [finish("one"), finish("two")] });
    const t = team(model, memoryStore(), { log });
    await t.run("first", { threadId: "idle" });
    for (const action of [() => t.pause("idle"), () => t.cancel("idle")]) {
      const error = await action().catch((e: unknown) => e);
      expect(isTroupeError(error, "RUN_NOT_RESUMABLE")).toBe(true);
    }
    expect((await t.run("second", { threadId: "idle" })).output).toBe("two");
  });

  it("cancelling a run that waits for an approval withdraws the approval", async () => {
    const log: string[] = [];
    const { defineTool: tool } = await import("@troupe/core");
    const pay = tool({
      name: "pay",
      description: "Pay",
      input: z.object({ usd: z.number() }),
      approval: ({ usd }) => (usd > 10 ? { reason: "large", approvers: ["boss"], slaMs: 1000 } : undefined),
      run: ({ usd }) => {
        log.push(`paid ${usd}`);
        return "ok";
      },
    });
    const model = new ScriptedModel({ lead: [callTool("pay", { usd: 50 })] });
    const lead = defineAgent({ name: "lead", description: "Leads", instructions: "Lead.", tools: [pay], model });
    const helper = defineAgent({ name: "helper", description: "Helps", instructions: "Help.", model });
    const t = supervisor({ name: "pay", lead, workers: [helper], store: memoryStore() });
    expect((await t.run("pay 50", { threadId: "ap" })).status).toBe("interrupted");
    expect(await t.approvals.pending("ap")).toHaveLength(1);
    expect((await t.cancel("ap"))?.status).toBe("cancelled");
    expect(await t.approvals.pending("ap")).toEqual([]);
    expect((await t.approvals.list("ap"))[0]?.status).toBe("cancelled");
    expect(log).toEqual([]);
  });

  it("history shows the current branch; all: true shows the branches replays left", async () => {
    const model = new ScriptedModel({ lead: [delegate("planner", "plan"), finish("done")], planner: ["planned"] });
    const t = team(model, memoryStore(), { log: [] });
    await t.run("go", { threadId: "h" });
    const before = await t.history("h");
    await t.replay("h", { from: before[2]!.checkpointId });
    const branch = await t.history("h");
    // the replay branch: the shared prefix, LangGraph's fork of the replayed checkpoint, then the re-run
    expect(branch.slice(0, 3)).toEqual(before.slice(0, 3));
    expect(branch[3]?.source).toBe("fork");
    expect(branch.map((c) => c.agent).slice(3)).toEqual(["lead", "planner", "lead"]);
    expect((await t.history("h", { all: true })).length).toBeGreaterThan(before.length);
  });
});
