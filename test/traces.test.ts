import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { context, propagation, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { z } from "zod";
import { defineAgent, defineTool, memoryStore, TroupeError, type Team } from "@troupe/core";
import { loadTeam, supervisor } from "@troupe/patterns";
import { callTool, delegate, finish, ScriptedModel } from "@troupe/testing";
import { PATTERN_SPECS_DIR, patternCases } from "./pattern-cases.js";

// a user's own provider, registered globally: the team's spans reach it without any option
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
beforeAll(() => provider.register());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

let open: Team[] = [];
afterEach(async () => {
  await Promise.all(open.map((t) => t.close()));
  open = [];
  exporter.reset();
});

/** The finished spans as an indented tree of names, children in start order. */
function tree(spans: ReadableSpan[]): string[] {
  const byParent = new Map<string | undefined, ReadableSpan[]>();
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    const key = parent && ids.has(parent) ? parent : undefined;
    byParent.set(key, [...(byParent.get(key) ?? []), span]);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    const children = [...(byParent.get(parent) ?? [])].sort(
      (a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1],
    );
    for (const span of children) {
      lines.push(`${"  ".repeat(depth)}${span.name}`);
      walk(span.spanContext().spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines;
}

const named = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
const one = (name: string) => {
  const spans = named(name);
  expect(spans, name).toHaveLength(1);
  return spans[0]!;
};
const parentOf = (span: ReadableSpan) =>
  exporter.getFinishedSpans().find((s) => s.spanContext().spanId === span.parentSpanContext?.spanId);

const counter = (critical: boolean) =>
  defineTool({
    name: "count",
    description: "Count items",
    input: z.object({ what: z.string() }),
    critical,
    run: ({ what }) => {
      if (what === "ghosts") throw new TroupeError("TOOL_FAILED", "ghosts cannot be counted");
      return `${what}: 12`;
    },
  });

async function supervisorTeam(model: ScriptedModel, critical = false) {
  const raw = {
    name: "counted",
    pattern: "supervisor",
    supervisor: "lead",
    agents: {
      lead: { description: "Leads the team", instructions: "Delegate, then finish." },
      worker: { description: "Does the work", instructions: "Count with the tool.", tools: ["count"] },
    },
  };
  const tools = [counter(critical)];
  const team = await loadTeam({ raw, baseDir: process.cwd() }, { store: memoryStore(), model, tools });
  open.push(team);
  return team;
}

describe("traces (OpenTelemetry, GenAI semantic conventions)", () => {
  it("a supervisor run is one trace: run > invoke_agent > chat / execute_tool, with tokens and the thread", async () => {
    const model = new ScriptedModel({
      lead: [
        {
          toolCalls: [{ name: "delegate", input: { agent: "worker", task: "count the lamps" } }],
          usage: { inputTokens: 100, outputTokens: 20, costUsd: 0.002 },
        },
        finish("12 lamps"),
      ],
      worker: [callTool("count", { what: "lamps" }), "12 lamps"],
    });
    const team = await supervisorTeam(model);
    const result = await team.run("How many lamps?", { threadId: "t-super" });
    expect(result.status).toBe("completed");

    expect(tree(exporter.getFinishedSpans())).toEqual([
      "run counted",
      "  invoke_agent lead",
      "    chat scripted",
      "  handoff lead -> worker",
      "  invoke_agent worker",
      "    chat scripted",
      "    execute_tool count",
      "    chat scripted",
      "  invoke_agent lead",
      "    chat scripted",
    ]);
    const spans = exporter.getFinishedSpans();
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);

    const run = one("run counted");
    expect(run.attributes).toMatchObject({
      "troupe.team.name": "counted",
      "troupe.pattern": "supervisor",
      "gen_ai.conversation.id": "t-super",
      "troupe.run.id": result.runId,
      "troupe.run.outcome": "completed",
      "gen_ai.usage.input_tokens": 100 + 10 * 3,
      "gen_ai.usage.output_tokens": 20 + 5 * 3,
      "troupe.usage.cost_usd": 0.002,
    });
    const [firstLead] = named("invoke_agent lead");
    expect(firstLead!.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.name": "lead",
      "gen_ai.conversation.id": "t-super",
      "gen_ai.usage.input_tokens": 100,
      "gen_ai.usage.output_tokens": 20,
      "troupe.directive": "route",
      "troupe.attempt": 0,
    });
    const chat = named("chat scripted").find((s) => parentOf(s) === firstLead)!;
    expect(chat.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "scripted",
      "gen_ai.usage.input_tokens": 100,
      "gen_ai.usage.output_tokens": 20,
      "troupe.usage.cost_usd": 0.002,
    });
    expect(one("execute_tool count").attributes).toMatchObject({
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "count",
    });
    expect(parentOf(one("execute_tool count"))?.name).toBe("invoke_agent worker");
  });

  it.each([
    ["handoff", "What does the pro plan cost? I need pricing", ["reception", "sales"]],
    ["swarm", "Plan a trip with flights to Lisbon", ["generalist", "travel"]],
    ["network", "Should we open an office in Lisbon?", ["optimist", "skeptic", "judge", "optimist"]],
  ])(
    "a %s run: one run span, an invoke_agent span per turn under it, a chat span in each",
    async (pattern, input, agents) => {
      const team = await loadTeam(join(PATTERN_SPECS_DIR, `${pattern}.yaml`), {
        store: memoryStore(),
        model: "offline",
      });
      open.push(team);
      const result = await team.run(input, { threadId: `t-${pattern}` });
      expect(result.status).toBe("completed");

      const spans = exporter.getFinishedSpans();
      const run = one(`run ${team.name}`);
      expect(run.attributes).toMatchObject({ "troupe.pattern": pattern, "gen_ai.conversation.id": `t-${pattern}` });
      expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([run.spanContext().traceId]));
      const turns = spans
        .filter((s) => s.name.startsWith("invoke_agent "))
        .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
      expect(turns.map((s) => s.attributes["gen_ai.agent.name"])).toEqual(agents);
      for (const turn of turns) {
        expect(parentOf(turn)).toBe(run);
        const chats = spans.filter((s) => s.name === "chat offline" && parentOf(s) === turn);
        expect(chats.length).toBeGreaterThan(0);
        expect(chats[0]!.attributes["gen_ai.usage.input_tokens"]).toEqual(expect.any(Number));
      }
      if (pattern !== "network") expect(named(`handoff ${agents[0]} -> ${agents[1]}`)).toHaveLength(1);
    },
  );

  it.each(patternCases.filter(([pattern]) => pattern === "hierarchical" || pattern === "custom"))(
    "a %s run: one trace, an invoke_agent span per agent turn (sub-teams' included) under the run, each with a chat span",
    async (pattern, input, agents) => {
      const team = await loadTeam(join(PATTERN_SPECS_DIR, `${pattern}.yaml`), {
        store: memoryStore(),
        model: "offline",
      });
      open.push(team);
      const result = await team.run(input, { threadId: `t-${pattern}` });
      expect(result.status).toBe("completed");

      const spans = exporter.getFinishedSpans();
      const run = one(`run ${team.name}`);
      expect(run.attributes).toMatchObject({ "troupe.pattern": pattern, "gen_ai.conversation.id": `t-${pattern}` });
      expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([run.spanContext().traceId]));
      const turns = spans
        .filter((s) => s.name.startsWith("invoke_agent "))
        .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
      expect(turns.map((s) => s.attributes["gen_ai.agent.name"])).toEqual(agents);
      for (const turn of turns) {
        expect(parentOf(turn)).toBe(run);
        expect(spans.some((s) => s.name === "chat offline" && parentOf(s) === turn)).toBe(true);
      }
    },
  );

  it("a failing run: the error status is on the tool's, the agent's and the run's span", async () => {
    const model = new ScriptedModel({
      lead: [delegate("worker", "count the ghosts")],
      worker: [callTool("count", { what: "ghosts" })],
    });
    const team = await supervisorTeam(model, true);
    const failed = await team.run("How many ghosts?", { threadId: "t-fail" }).catch((error: unknown) => error);
    expect((failed as TroupeError).code).toBe("TOOL_FAILED");

    const tool = one("execute_tool count");
    expect(tool.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(tool.attributes["error.type"]).toBe("TOOL_FAILED");
    expect(tool.events.map((e) => e.name)).toContain("exception");
    const worker = one("invoke_agent worker");
    expect(parentOf(tool)).toBe(worker);
    expect(worker.status.code).toBe(2);
    const run = one("run counted");
    expect(parentOf(worker)).toBe(run);
    expect(run.status.code).toBe(2);
    expect(run.attributes).toMatchObject({ "troupe.run.outcome": "failed", "error.type": "TOOL_FAILED" });
    expect(named("invoke_agent lead")[0]!.status.code).toBe(0);
  });

  it("retries, a breaker opening and a fallback are spans under the run; each failed attempt has the error", async () => {
    const serverError = () => new TroupeError("MODEL_SERVER_ERROR", "upstream answered 500");
    const model = new ScriptedModel({
      lead: [delegate("worker", "count the lamps"), finish("done")],
      worker: [serverError(), serverError()],
      backup: ["12 lamps (backup)"],
    });
    const raw = {
      name: "resilient",
      pattern: "supervisor",
      supervisor: "lead",
      agents: {
        lead: { description: "Leads the team", instructions: "Delegate, then finish." },
        worker: { description: "Does the work", instructions: "Count." },
        backup: { description: "Stands in for the worker", instructions: "Do the task." },
      },
      resilience: {
        retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5 },
        agents: {
          worker: {
            fallback: "backup",
            breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 },
          },
        },
      },
    };
    const team = await loadTeam({ raw, baseDir: process.cwd() }, { store: memoryStore(), model });
    open.push(team);
    expect((await team.run("How many lamps?", { threadId: "t-retry" })).status).toBe("completed");

    const run = one("run resilient");
    const retries = named("retry agent worker");
    expect(retries.map((r) => r.attributes["troupe.retry.attempt"])).toEqual([1, 2]);
    expect(retries.map((r) => r.attributes["error.type"])).toEqual(["MODEL_SERVER_ERROR", "MODEL_SERVER_ERROR"]);
    for (const retry of retries) expect(parentOf(retry)).toBe(run);
    expect(parentOf(one("breaker opened agent worker"))).toBe(run);
    expect(one("fallback worker -> backup").attributes["error.type"]).toBe("BREAKER_OPEN");
    const attempts = named("invoke_agent worker");
    expect(attempts.map((a) => [a.attributes["troupe.attempt"], a.status.code])).toEqual([
      [0, 2],
      [1, 2],
    ]);
    const backup = one("invoke_agent backup");
    expect(backup.attributes["troupe.fallback_from"]).toBe("worker");
    expect(backup.status.code).toBe(0);
  });

  it("an approval is a span from its request to its decision, across the interrupted and the resumed run", async () => {
    const pay = defineTool({
      name: "pay",
      description: "Pay",
      input: z.object({ usd: z.number() }),
      approval: ({ usd }) => (usd > 10 ? { reason: "large", approvers: ["boss"], slaMs: 60_000 } : undefined),
      run: () => "paid",
    });
    const model = new ScriptedModel({ lead: [callTool("pay", { usd: 50 }), finish("paid 50")] });
    const lead = defineAgent({ name: "lead", description: "Leads", instructions: "Lead.", tools: [pay], model });
    const helper = defineAgent({ name: "helper", description: "Helps", instructions: "Help.", model });
    const team = supervisor({ name: "pay", lead, workers: [helper], store: memoryStore() });
    open.push(team);
    expect((await team.run("pay 50", { threadId: "t-approval" })).status).toBe("interrupted");
    expect(named("approval pay")).toEqual([]); // still waiting
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await team.decide("t-approval", { approved: true, by: "boss" })).status).toBe("completed");

    const approval = one("approval pay");
    expect(approval.attributes).toMatchObject({
      "troupe.approval.approver": "boss",
      "troupe.approval.approved": true,
      "troupe.approval.by": "boss",
      "gen_ai.tool.name": "pay",
    });
    const [interrupted, resumed] = named("run pay");
    expect(interrupted!.attributes["troupe.run.outcome"]).toBe("interrupted");
    expect(resumed!.attributes["troupe.run.outcome"]).toBe("completed");
    expect(parentOf(approval)).toBe(interrupted);
    const waitedMs = (approval.duration[0] * 1e9 + approval.duration[1]) / 1e6;
    expect(waitedMs).toBeGreaterThanOrEqual(15);
  });
});
