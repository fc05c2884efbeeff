import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineAgent,
  defineTool,
  invokeAgent,
  InProcessBus,
  isTroupeError,
  memoryStore,
  serveAgent,
  TroupeError,
  type ModelClient,
  type ModelRequest,
  type Team,
  type TroupeEvent,
} from "@troupe/core";
import { loadTeam } from "@troupe/patterns";
import { callTool, delegate, finish, ScriptedModel, type ScriptedTurn } from "@troupe/testing";

const serverError = () => new TroupeError("MODEL_SERVER_ERROR", "upstream answered 500");
const badRequest = () => new TroupeError("MODEL_BAD_REQUEST", "400: messages.0.content is empty");

/** The lead's closing turn: finish with what the worker answered (the last tool_result it sees). */
const finishWithWorkerAnswer: ScriptedTurn = (request: ModelRequest) => {
  const results = request.messages.flatMap((m) => m.content).filter((b) => b.type === "tool_result");
  return finish(`team says: ${results.at(-1)?.content ?? "(nothing)"}`);
};

const agents = {
  lead: { description: "Leads the team", instructions: "Delegate, then finish." },
  worker: { description: "Does the work", instructions: "Do the task." },
  backup: { description: "Stands in for the worker", instructions: "Do the task." },
};

async function team(
  resilience: Record<string, unknown>,
  options: { model: ModelClient; models?: Record<string, ModelClient>; spec?: Record<string, unknown> },
): Promise<Team> {
  const raw = { name: "resilient", pattern: "supervisor", supervisor: "lead", agents, resilience, ...options.spec };
  return loadTeam(
    { raw, baseDir: process.cwd() },
    { store: memoryStore(), model: options.model, ...(options.models ? { models: options.models } : {}) },
  );
}

async function collect(stream: AsyncIterable<TroupeEvent>): Promise<TroupeEvent[]> {
  const events: TroupeEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

// an intersection, not Extract: the breaker events share one union member with three type literals
const ofType = <T extends TroupeEvent["type"]>(events: TroupeEvent[], type: T) =>
  events.filter((e): e is TroupeEvent & { type: T } => e.type === type);

let open: Team[] = [];
afterEach(async () => {
  await Promise.all(open.map((t) => t.close()));
  open = [];
});
const track = (t: Team) => (open.push(t), t);

describe("resilience: retries, breakers and fallback agents", () => {
  it("retries a retryable agent failure, then after the agent's breaker opens sends the work to the fallback agent", async () => {
    const model = new ScriptedModel({
      lead: [
        delegate("worker", "count the lamps"),
        finishWithWorkerAnswer,
        delegate("worker", "count again"),
        finishWithWorkerAnswer,
      ],
      worker: [serverError(), serverError()],
      backup: ["12 lamps (backup)", "12 lamps again (backup)"],
    });
    const t = track(
      await team(
        {
          retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5 },
          agents: {
            worker: {
              fallback: "backup",
              breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 },
            },
          },
        },
        { model },
      ),
    );
    const events = await collect(t.stream("How many lamps?", { threadId: "a1" }));
    const retries = ofType(events, "retry");
    expect(retries.map((r) => [r.scope, r.name, r.attempt, r.error.code])).toEqual([
      ["agent", "worker", 1, "MODEL_SERVER_ERROR"],
      ["agent", "worker", 2, "MODEL_SERVER_ERROR"],
    ]);
    expect(ofType(events, "breaker.opened").map((e) => [e.scope, e.name])).toEqual([["agent", "worker"]]);
    const fallbacks = ofType(events, "fallback");
    expect(fallbacks.map((f) => [f.scope, f.from, f.to, f.reason.code])).toEqual([
      ["agent", "worker", "backup", "BREAKER_OPEN"],
    ]);
    const done = ofType(events, "run.completed")[0];
    expect(done?.output).toBe("team says: 12 lamps (backup)");
    // the breaker stopped the third attempt: the worker's model saw two calls, not maxRetries + 1
    expect(model.callsBy("worker")).toHaveLength(2);

    // while the breaker is open the worker is not called at all: straight to the fallback
    const second = await t.run("Again?", { threadId: "a2" });
    expect(second.output).toBe("team says: 12 lamps again (backup)");
    expect(model.callsBy("worker")).toHaveLength(2);
    expect(t.breakers.state("agent", "worker")).toBe("opened");
    expect(await t.deadLetters.list()).toEqual([]);
    model.assertAllUsed();
  });

  it("does not retry a 400-like error: one model call, the run fails typed, and an agent dead letter is kept", async () => {
    const model = new ScriptedModel({
      lead: [delegate("worker", "count the lamps")],
      worker: [badRequest()],
      backup: [],
    });
    const t = track(
      await team({ retry: { maxRetries: 3, baseDelayMs: 1 }, agents: { worker: { fallback: "backup" } } }, { model }),
    );
    const events: TroupeEvent[] = [];
    const failure = await (async () => {
      for await (const event of t.stream("How many lamps?", { threadId: "b1" })) events.push(event);
    })().catch((e: unknown) => e);
    expect(failure).toBeUndefined();
    expect(ofType(events, "retry")).toEqual([]);
    expect(ofType(events, "fallback")).toEqual([]);
    expect(model.callsBy("worker")).toHaveLength(1);
    expect(ofType(events, "run.failed")[0]?.error.code).toBe("MODEL_BAD_REQUEST");

    const letters = await t.deadLetters.list({ threadId: "b1" });
    expect(letters.map((l) => [l.kind, l.subject, l.status, l.error.code])).toEqual([
      ["agent", "worker", "open", "MODEL_BAD_REQUEST"],
    ]);
    expect(ofType(events, "dlq.added").map((e) => e.id)).toEqual([letters[0]!.id]);
    expect((await t.status("b1"))?.state).toBe("failed");
  });

  it("team.run rejects with the typed error and the partial result", async () => {
    const model = new ScriptedModel({ lead: [delegate("worker", "count")], worker: [badRequest()], backup: [] });
    const t = track(await team({}, { model }));
    const error = await t.run("How many lamps?", { threadId: "b3" }).catch((e: unknown) => e);
    expect(isTroupeError(error, "MODEL_BAD_REQUEST")).toBe(true);
    const result = (error as TroupeError).details?.result as { status: string; steps: { agent: string }[] };
    expect(result.status).toBe("failed");
    expect(result.steps.map((s) => s.agent)).toEqual(["lead"]);
  });

  it("gives a fallback agent its own model answers, not the failed agent's recorded steps", async () => {
    const count = defineTool({
      name: "count",
      description: "Count items",
      input: z.object({ what: z.string() }),
      run: ({ what }) => `${what}: 12`,
    });
    const worker = defineAgent({
      name: "worker",
      description: "Does the work",
      instructions: "Count with the tool.",
      tools: [count],
    });
    const model = new ScriptedModel({
      lead: [delegate("worker", "count the lamps"), finishWithWorkerAnswer],
      worker: [callTool("count", { what: "lamps" }), serverError(), serverError()],
      backup: ["12 lamps (backup)"],
    });
    const raw = {
      name: "resilient",
      pattern: "supervisor",
      supervisor: "lead",
      agents: { ...agents, worker: { ...agents.worker, tools: ["count"] } },
      resilience: { retry: { maxRetries: 1, baseDelayMs: 0 }, agents: { worker: { fallback: "backup" } } },
    };
    const t = track(
      await loadTeam(
        { raw, baseDir: process.cwd() },
        { store: memoryStore(), model, agents: [worker], tools: [count] },
      ),
    );
    const result = await t.run("How many lamps?", { threadId: "f1" });
    expect(result.output).toBe("team says: 12 lamps (backup)");
    // the retry re-used the worker's recorded first step (no second tool call request to the model)
    expect(model.callsBy("worker")).toHaveLength(3);
    const [backupCall] = model.callsBy("backup");
    expect(backupCall?.messages.flatMap((m) => m.content).some((b) => b.type === "tool_use")).toBe(false);
    model.assertAllUsed();
  });
});

describe("resilience: tools", () => {
  it("retries a transient tool failure under its tool policy; a final tool failure goes back to the model once", async () => {
    let lookups = 0;
    const lookup = defineTool({
      name: "lookup",
      description: "Look a topic up",
      input: z.object({ topic: z.string() }),
      run: ({ topic }) => {
        lookups++;
        if (topic === "broken") throw new TroupeError("TOOL_FAILED", "no such topic");
        if (lookups <= 2) throw new TroupeError("TOOL_TRANSIENT", "index is warming up");
        return `${topic}: 12 lamps`;
      },
    });
    const model = new ScriptedModel({
      lead: [delegate("worker", "count the lamps"), finishWithWorkerAnswer],
      worker: [callTool("lookup", { topic: "lamps" }), callTool("lookup", { topic: "broken" }), "12 lamps"],
      backup: [],
    });
    const raw = {
      name: "resilient",
      pattern: "supervisor",
      supervisor: "lead",
      agents: { ...agents, worker: { ...agents.worker, tools: ["lookup"] } },
      resilience: { retry: { maxRetries: 0 }, tools: { lookup: { retry: { maxRetries: 3, baseDelayMs: 0 } } } },
    };
    const t = track(await loadTeam({ raw, baseDir: process.cwd() }, { store: memoryStore(), model, tools: [lookup] }));
    const events = await collect(t.stream("How many lamps?", { threadId: "g1" }));
    expect(ofType(events, "retry").map((r) => [r.scope, r.name, r.attempt, r.error.code])).toEqual([
      ["tool", "lookup", 1, "TOOL_TRANSIENT"],
      ["tool", "lookup", 2, "TOOL_TRANSIENT"],
    ]);
    expect(lookups).toBe(4);
    const called = ofType(events, "tool.called");
    expect(called.map((c) => [c.output ?? null, c.error?.code ?? null])).toEqual([
      ["lamps: 12 lamps", null],
      [null, "TOOL_FAILED"],
    ]);
    expect(ofType(events, "run.completed")[0]?.output).toBe("team says: 12 lamps");
  });
});

describe("resilience: timeouts", () => {
  it("a tool policy's timeoutMs aborts a slow attempt (TOOL_TIMEOUT), which is retried; the abandoned attempt never performs its effect", async () => {
    let calls = 0;
    const effects: string[] = [];
    const slow = defineTool({
      name: "slow_lookup",
      description: "Look a topic up, slowly the first time",
      input: z.object({ topic: z.string() }),
      run: async ({ topic }, { signal }) => {
        const attempt = ++calls;
        // honours the contract: stops when its signal aborts
        if (attempt === 1)
          await new Promise((resolve, reject) => {
            const timer = setTimeout(resolve, 300);
            signal.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), { once: true });
          });
        effects.push(`attempt ${attempt}`);
        return `${topic}: 12 lamps`;
      },
    });
    const model = new ScriptedModel({
      lead: [delegate("worker", "count"), finishWithWorkerAnswer],
      worker: [callTool("slow_lookup", { topic: "lamps" }), "12 lamps"],
      backup: [],
    });
    const raw = {
      name: "resilient",
      pattern: "supervisor",
      supervisor: "lead",
      agents: { ...agents, worker: { ...agents.worker, tools: ["slow_lookup"] } },
      resilience: { tools: { slow_lookup: { timeoutMs: 30, retry: { maxRetries: 1, baseDelayMs: 0 } } } },
    };
    const t = track(await loadTeam({ raw, baseDir: process.cwd() }, { store: memoryStore(), model, tools: [slow] }));
    const events = await collect(t.stream("How many lamps?", { threadId: "h1" }));
    expect(ofType(events, "retry").map((r) => [r.scope, r.name, r.error.code])).toEqual([
      ["tool", "slow_lookup", "TOOL_TIMEOUT"],
    ]);
    expect(ofType(events, "tool.called").map((c) => c.output)).toEqual(["lamps: 12 lamps"]);
    expect(calls).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(effects).toEqual(["attempt 2"]);
  });

  it("a model policy's timeoutMs fails a slow model as MODEL_TIMEOUT and its fallback model answers", async () => {
    const scripted = new ScriptedModel(
      { lead: [delegate("worker", "count"), finishWithWorkerAnswer] },
      { id: "primary" },
    );
    const primary: ModelClient = {
      id: "primary",
      async generate(request) {
        if (request.agent === "worker") await new Promise((resolve) => setTimeout(resolve, 300));
        return scripted.generate(request);
      },
    };
    const spare = new ScriptedModel({ worker: ["12 lamps (spare model)"] }, { id: "spare" });
    const t = track(
      await team(
        { models: { primary: { timeoutMs: 30, fallback: "spare" } } },
        { model: primary, models: { primary, spare }, spec: { model: "primary" } },
      ),
    );
    const events = await collect(t.stream("How many lamps?", { threadId: "h2" }));
    expect(ofType(events, "fallback").map((f) => [f.scope, f.from, f.to, f.reason.code])).toEqual([
      ["model", "primary", "spare", "MODEL_TIMEOUT"],
    ]);
    expect(ofType(events, "run.completed")[0]?.output).toBe("team says: 12 lamps (spare model)");
  });
});

describe("resilience: model fallback", () => {
  it("answers with the fallback model when the primary fails retryably, and skips the primary once its breaker opens", async () => {
    const primary = new ScriptedModel(
      { lead: [delegate("worker", "count the lamps")], worker: [serverError()] },
      { id: "primary" },
    );
    const spare = new ScriptedModel(
      { lead: [finishWithWorkerAnswer], worker: ["12 lamps (spare model)"] },
      { id: "spare" },
    );
    const t = track(
      await team(
        {
          retry: { maxRetries: 2, baseDelayMs: 1 },
          models: {
            primary: {
              fallback: "spare",
              breaker: { volumeThreshold: 1, errorThresholdPercentage: 40, resetTimeoutMs: 60_000 },
            },
          },
        },
        { model: primary, models: { primary, spare }, spec: { model: "primary" } },
      ),
    );
    const events = await collect(t.stream("How many lamps?", { threadId: "c1" }));
    expect(ofType(events, "run.completed")[0]?.output).toBe("team says: 12 lamps (spare model)");
    expect(ofType(events, "breaker.opened").map((e) => [e.scope, e.name])).toEqual([["model", "primary"]]);
    expect(ofType(events, "fallback").map((f) => [f.scope, f.from, f.to, f.reason.code])).toEqual([
      ["model", "primary", "spare", "MODEL_SERVER_ERROR"],
      ["model", "primary", "spare", "BREAKER_OPEN"],
    ]);
    // the model fallback answered inside the agent call: no agent-level retry was needed
    expect(ofType(events, "retry")).toEqual([]);
    expect(primary.calls.map((c) => c.agent)).toEqual(["lead", "worker"]);
    expect(spare.calls.map((c) => c.agent)).toEqual(["worker", "lead"]);
    primary.assertAllUsed();
    spare.assertAllUsed();
  });

  it("does not fall back on a final (400-like) model error", async () => {
    const primary = new ScriptedModel(
      { lead: [delegate("worker", "count")], worker: [badRequest()] },
      { id: "primary" },
    );
    const spare = new ScriptedModel({ lead: [], worker: [] }, { id: "spare" });
    const t = track(
      await team(
        { models: { primary: { fallback: "spare" } } },
        { model: primary, models: { primary, spare }, spec: { model: "primary" } },
      ),
    );
    const error = await t.run("How many lamps?", { threadId: "c2" }).catch((e: unknown) => e);
    expect(isTroupeError(error, "MODEL_BAD_REQUEST")).toBe(true);
    expect(spare.calls).toEqual([]);
  });
});

describe("resilience: dead letters", () => {
  it("redrives a failed agent call to completion and marks the letter redriven", async () => {
    const model = new ScriptedModel({
      lead: [delegate("worker", "count the lamps"), finishWithWorkerAnswer],
      worker: [serverError(), serverError(), "12 lamps"],
      backup: [],
    });
    const t = track(await team({ retry: { maxRetries: 1, baseDelayMs: 0 } }, { model }));
    const error = await t.run("How many lamps?", { threadId: "d1" }).catch((e: unknown) => e);
    expect(isTroupeError(error, "MODEL_SERVER_ERROR")).toBe(true);
    expect(model.callsBy("worker")).toHaveLength(2);
    const [letter] = await t.deadLetters.list({ status: "open" });
    expect(letter).toMatchObject({
      kind: "agent",
      subject: "worker",
      threadId: "d1",
      status: "open",
      error: { code: "MODEL_SERVER_ERROR", retryable: true },
    });

    const result = await t.redrive(letter!.id);
    expect("status" in result && result.status).toBe("completed");
    expect("output" in result && result.output).toBe("team says: 12 lamps");
    // the lead's first turn was not re-run: redrive continues from the failed worker's checkpoint
    expect(model.callsBy("lead")).toHaveLength(2);
    expect((await t.deadLetters.get(letter!.id))?.status).toBe("redriven");
    expect(await t.deadLetters.list({ status: "open" })).toEqual([]);
    expect((await t.state("d1"))?.status).toBe("completed");
    expect((await t.status("d1"))?.state).toBe("completed");
    const again = await t.redrive(letter!.id).catch((e: unknown) => e);
    expect(isTroupeError(again, "DEAD_LETTER_UNKNOWN")).toBe(true);
    model.assertAllUsed();
  });

  it("refuses an unknown letter id", async () => {
    const t = track(await team({}, { model: new ScriptedModel([]) }));
    await expect(t.redrive("nope")).rejects.toMatchObject({ code: "DEAD_LETTER_UNKNOWN" });
  });
});

describe("agent lifecycle", () => {
  it("publishes idle -> busy -> idle on agents.lifecycle while a run uses the agent", async () => {
    const model = new ScriptedModel({
      lead: [delegate("worker", "count the lamps"), finishWithWorkerAnswer],
      worker: ["12 lamps"],
      backup: [],
    });
    const t = track(await team({}, { model }));
    const heard: Array<{ agent: string; state: string }> = [];
    await t.bus.subscribe("agents.lifecycle", (m) => heard.push(m as { agent: string; state: string }));
    await t.run("How many lamps?", { threadId: "e1" });
    const statesOf = (agent: string) => heard.filter((h) => h.agent === agent).map((h) => h.state);
    expect(statesOf("worker")).toEqual(["starting", "idle", "busy", "idle"]);
    expect(statesOf("lead")).toEqual(["starting", "idle", "busy", "idle", "busy", "idle"]);
    expect(statesOf("backup")).toEqual(["starting", "idle"]);
  });

  it("drain waits for the request in flight, then stops; new requests get AGENT_UNAVAILABLE", async () => {
    const bus = new InProcessBus();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const slow: ModelClient = {
      id: "slow",
      async generate() {
        started();
        await gate;
        return {
          content: [{ type: "text", text: "done slowly" }],
          stopReason: "end_turn",
          usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 },
          model: "slow",
        };
      },
    };
    const worker = defineAgent({ name: "worker", description: "Works slowly", instructions: "Work." });
    const handle = await serveAgent(bus, worker, { model: slow });
    expect(handle.state()).toBe("idle");
    const request = (id: string) => ({
      runId: "r",
      threadId: "t",
      agent: "worker",
      task: "work",
      messages: [],
      context: "",
      offers: [],
      idempotencyKey: id,
      stream: false,
    });

    const first = invokeAgent(bus, request("k1"));
    await inFlight;
    expect(handle.state()).toBe("busy");
    let drained = false;
    const draining = handle.drain().then(() => (drained = true));
    expect(handle.state()).toBe("draining");
    const during = await invokeAgent(bus, request("k2")).catch((e: unknown) => e);
    expect(isTroupeError(during, "AGENT_UNAVAILABLE")).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(drained).toBe(false);

    release();
    expect((await first).output).toBe("done slowly");
    await draining;
    expect(handle.state()).toBe("stopped");
    const after = await invokeAgent(bus, request("k3")).catch((e: unknown) => e);
    expect(isTroupeError(after, "AGENT_UNAVAILABLE")).toBe(true);
    await bus.close();
  });
});
