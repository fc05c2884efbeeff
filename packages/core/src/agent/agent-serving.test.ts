import { describe, expect, it } from "vitest";
import { z } from "zod";
import { serveAgent } from "./agent-host.js";
import { invokeAgent } from "../bus/agent-client.js";
import type { AgentRequest } from "../protocol/agent-protocol.js";
import { agentServingOptions, PolicyBreakers } from "./agent-serving.js";
import { defineAgent } from "../authoring/define-agent.js";
import { defineTool } from "../authoring/define-tool.js";
import { TroupeError } from "../errors.js";
import { InProcessBus } from "../bus/in-process-bus.js";
import { memoryStore } from "../stores/memory-store.js";
import { offlineModel } from "../models/offline-model.js";
import { defaultResilience, hostResilience, ResilienceSchema } from "../protocol/resilience-policy.js";
import { pendingSaga } from "../records/saga-journal.js";

/** A non-idempotent, compensable tool that fails transiently twice per call before it works. */
function flakyHold() {
  const attempts = new Map<string, number>();
  const tool = defineTool({
    name: "hold",
    description: "Holds goods",
    input: z.object({ order: z.string() }),
    run: ({ order }, ctx) => {
      const n = (attempts.get(ctx.idempotencyKey) ?? 0) + 1;
      attempts.set(ctx.idempotencyKey, n);
      if (n <= 2) throw new TroupeError("TOOL_TRANSIENT", `busy (attempt ${n})`);
      return { held: order };
    },
    compensate: () => undefined,
  });
  return { tool, attempts };
}

async function host() {
  const { tool, attempts } = flakyHold();
  const bus = new InProcessBus();
  const store = memoryStore();
  const breakers = new PolicyBreakers();
  const agent = defineAgent({
    name: "stock",
    description: "Holds stock",
    instructions: "Hold the goods.",
    tools: [tool],
  });
  // a worker's defaults: it knows no team, so a request without a policy gets defaultResilience()
  await serveAgent(
    bus,
    agent,
    agentServingOptions({
      model: offlineModel(),
      resolveModel: () => offlineModel(),
      store,
      resilience: defaultResilience(),
      breakers: (r) => breakers.for(r),
    }),
  );
  const request = (threadId: string): AgentRequest => ({
    runId: "r",
    threadId,
    agent: "stock",
    task: "Order 2 lamps",
    messages: [],
    idempotencyKey: `${threadId}:1:1:stock`,
  });
  return { bus, store, attempts, breakers, request };
}

describe("agentServingOptions", () => {
  it("serves a request by the caller's policy it carries: the tool's own retry policy applies to a non-idempotent tool", async () => {
    const { bus, store, attempts, breakers, request } = await host();
    const policy = hostResilience(
      ResilienceSchema.parse({ tools: { hold: { retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 } } } }),
    );
    const result = await invokeAgent(bus, { ...request("t1"), resilience: policy });
    expect([...attempts.values()]).toEqual([3]);
    expect(result.saga.map((s) => [s.tool, s.output])).toEqual([["hold", { held: "Order 2 lamps" }]]);
    // journaled in the store as it happened, and the tool result recorded for a retried request
    const journaled = await pendingSaga(store.docs, "t1", { saga: [], compensations: {}, userTurn: 1 });
    expect(journaled.map((s) => s.key)).toEqual([result.saga[0]!.key]);
    expect(await store.records.get("t1", `tool:${result.saga[0]!.key}`)).toEqual({ output: { held: "Order 2 lamps" } });
    breakers.shutdown();
  });

  it("without a policy in the request, the default applies: a non-idempotent tool is not retried", async () => {
    const { bus, attempts, breakers, request } = await host();
    const result = await invokeAgent(bus, request("t2"));
    expect([...attempts.values()]).toEqual([1]);
    expect(result.saga).toEqual([]);
    breakers.shutdown();
  });
});
