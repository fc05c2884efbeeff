import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { context, propagation, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { defineAgent, memoryStore, type TroupeEvent } from "@troupe/core";
import { NatsBus, Orchestrator, Worker, submitRun } from "@troupe/nats";
import { loadTeam } from "@troupe/patterns";
import { delegate, finish, ScriptedModel, startNatsServer, type RunningNatsServer } from "@troupe/testing";

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let nats: RunningNatsServer;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  provider.register();
  nats = await startNatsServer();
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await nats?.stop();
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

async function connect(namespace: string, durableEvents = false): Promise<NatsBus> {
  const bus = await NatsBus.connect({ servers: nats.url, namespace, durableEvents });
  cleanups.push(() => bus.close());
  return bus;
}

const spans = () => exporter.getFinishedSpans();
const parentOf = (span: ReadableSpan) => spans().find((s) => s.spanContext().spanId === span.parentSpanContext?.spanId);

describe("traces across processes (NATS)", () => {
  it("the submitter, the orchestrator's run and the worker's agent and model calls are one trace", async () => {
    const namespace = "traces";
    const store = memoryStore();
    const model = new ScriptedModel({
      lead: [delegate("worker", "count the lamps"), finish("12 lamps")],
      worker: ["12 lamps"],
    });
    const worker = await Worker.start({
      bus: await connect(namespace),
      store,
      model,
      agents: [
        defineAgent({ name: "lead", description: "Leads the team", instructions: "Delegate, then finish." }),
        defineAgent({ name: "worker", description: "Does the work", instructions: "Count." }),
      ],
    });
    cleanups.push(() => worker.drain());
    let completed: (event: TroupeEvent) => void = () => undefined;
    const done = new Promise<TroupeEvent>((resolve) => (completed = resolve));
    const orchestrator = await Orchestrator.start({
      bus: await connect(namespace, true),
      store,
      loadTeam,
      serveAgents: false,
      env: {},
      onEvent: (event) => {
        if (event.type === "run.completed" || event.type === "run.failed") completed(event);
      },
    });
    cleanups.push(() => orchestrator.stop());

    const spec = {
      name: "traced",
      pattern: "supervisor",
      supervisor: "lead",
      agents: {
        lead: { description: "Leads the team", instructions: "Delegate, then finish." },
        worker: { description: "Does the work", instructions: "Count." },
      },
    };
    const submitter = await connect(namespace);
    const tracer = trace.getTracer("test");
    await tracer.startActiveSpan("submit", async (span) => {
      await submitRun(submitter, { spec, baseDir: process.cwd(), input: "How many lamps?", threadId: "t-nats" });
      span.end();
    });
    expect((await done).type).toBe("run.completed");
    await expect.poll(() => spans().some((s) => s.name === "run traced")).toBe(true);

    const submit = spans().find((s) => s.name === "submit")!;
    const traceId = submit.spanContext().traceId;
    expect(new Set(spans().map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));

    const run = spans().find((s) => s.name === "run traced")!;
    expect(parentOf(run)).toBe(submit);
    expect(run.attributes).toMatchObject({ "gen_ai.conversation.id": "t-nats", "troupe.pattern": "supervisor" });
    const agentSpans = spans().filter((s) => s.name.startsWith("invoke_agent "));
    expect(agentSpans.map((s) => s.name).sort()).toEqual([
      "invoke_agent lead",
      "invoke_agent lead",
      "invoke_agent worker",
    ]);
    for (const agent of agentSpans) expect(parentOf(agent)).toBe(run);
    // the worker's model calls, made in another connection's handler, sit under the orchestrator's agent spans
    const chats = spans().filter((s) => s.name === "chat scripted");
    expect(chats).toHaveLength(3);
    for (const chat of chats) expect(agentSpans).toContain(parentOf(chat));
    const workerChat = chats.find((c) => parentOf(c)?.name === "invoke_agent worker")!;
    expect(workerChat.attributes).toMatchObject({
      "gen_ai.request.model": "scripted",
      "gen_ai.usage.input_tokens": 10,
      "gen_ai.usage.output_tokens": 5,
    });
  });
});
