import { isTroupeError, type Interceptor } from "@troupe/core";
import type { TroupeMetrics } from "./troupe-metrics.js";

/**
 * An interceptor that counts and times every attempt of the calls it wraps (`troupe_calls_total`,
 * `troupe_call_duration_seconds`), counts retries and fallbacks, adds a model call's tokens and
 * cost to `troupe_model_tokens_total` / `troupe_model_cost_usd_total`, and marks the breaker of an
 * agent, model or tool it sees as known (closed unless a `breaker.*` event said otherwise), so
 * "breakers open for > 10% of agents" has a denominator. Pass it wherever `interceptors` are
 * taken: loadTeam, Worker.start, Orchestrator options.
 *
 * @example
 * const metrics = new TroupeMetrics();
 * const worker = await Worker.start({ bus, agents, store, interceptors: [metricsInterceptor(metrics)] });
 */
export function metricsInterceptor(metrics: TroupeMetrics): Interceptor {
  return async (call, next) => {
    if (call.kind !== "compensation") metrics.breakerSeen(call.kind, call.name);
    if (call.attempt > 0) metrics.retries.inc({ kind: call.kind, name: call.name });
    if (call.fallbackFrom && call.attempt === 0)
      metrics.fallbacks.inc({ kind: call.kind, from: call.fallbackFrom, to: call.name });
    const end = metrics.callDuration.startTimer({ kind: call.kind, name: call.name });
    try {
      const value = await next();
      end({ outcome: "ok" });
      metrics.calls.inc({ kind: call.kind, name: call.name, outcome: "ok", code: "" });
      if (call.kind === "model") countModelUsage(metrics, call.name, value);
      return value;
    } catch (error) {
      end({ outcome: "error" });
      const code = isTroupeError(error) ? error.code : "UNKNOWN";
      metrics.calls.inc({ kind: call.kind, name: call.name, outcome: "error", code });
      throw error;
    }
  };
}

/** A model call resolves to a ModelResponse; its `usage` carries tokens and cost. */
function countModelUsage(metrics: TroupeMetrics, model: string, value: unknown): void {
  const usage = (value as { usage?: { inputTokens?: unknown; outputTokens?: unknown; costUsd?: unknown } } | null)
    ?.usage;
  if (!usage) return;
  if (typeof usage.inputTokens === "number") metrics.modelTokens.inc({ model, direction: "input" }, usage.inputTokens);
  if (typeof usage.outputTokens === "number")
    metrics.modelTokens.inc({ model, direction: "output" }, usage.outputTokens);
  if (typeof usage.costUsd === "number") metrics.modelCost.inc({ model }, usage.costUsd);
}
