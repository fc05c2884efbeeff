import type { BreakerListener, BreakerRegistry } from "./circuit-breakers.js";
import { compose, type CallKind, type Interceptor, type Pipeline } from "./interceptor.js";
import {
  breakerInterceptor,
  fallbackInterceptor,
  primaryOnly,
  retryInterceptor,
  timeoutInterceptor,
} from "./interceptors.js";
import { callPolicy, type PolicySource } from "./policy-lookup.js";

/** What every call's pipeline is made from: the spec's policy, the breakers, and your interceptors. */
export interface PipelineSetup {
  /** The spec's resilience block (a host's part of it); without it nothing is retried. */
  resilience: PolicySource;
  /** Circuit breakers by kind and name; without them no call has a breaker. */
  breakers?: BreakerRegistry;
  /** Hears breaker transitions besides the `breaker.*` events (an agent host degrades on its model's). */
  onBreaker?: BreakerListener;
  /** Your own interceptors, around each attempt of every call, the first outermost. */
  interceptors?: readonly Interceptor[];
}

/** What the caller knows about one call beyond its name. */
export interface CallOptions {
  /** A tool marked idempotent takes the default retry policy; others only their own. */
  idempotent?: boolean;
  /** The attempt timeout when the spec sets none (limits.agentTimeoutMs, a tool's own timeoutMs). */
  timeoutMs?: number;
  /** The name a model falls back to (the host resolves `models.<id>.fallback` to a client). */
  fallback?: string;
}

/**
 * The layers of one call, outermost first; the one place their order is decided:
 *
 * 1. fallback: agents.<name>.fallback (again through the layers below, as the fallback agent with
 *    its own breaker and key), or a model's fallback client (called directly: the model's retry and
 *    breaker apply to the primary only);
 * 2. retry: the kind's policy (callPolicy); `maxRetries: 0`, or no policy, is one attempt;
 * 3. circuit breaker: by kind and name (a model's timeoutMs is enforced here); none for compensations;
 * 4. attempt timeout with an AbortSignal: every tool attempt (its policy's or its own timeoutMs), and
 *    an agent's request when agents.<name>.timeoutMs or limits.agentTimeoutMs is set (its deadline);
 * 5. your interceptors, around each attempt;
 * 6. the call itself.
 *
 * Recorded answers (model answers, tool results, agent results on replay) are looked up before a
 * call enters its pipeline: a call answered from the records never reaches these layers.
 *
 * @example
 * const layers = pipelineLayers("tool", "charge_card", { resilience, breakers }, { idempotent: false });
 */
export function pipelineLayers(
  kind: CallKind,
  name: string,
  setup: PipelineSetup,
  options: CallOptions = {},
): Interceptor[] {
  const policy = callPolicy(setup.resilience, kind, name, options);
  const fallback = kind === "model" ? options.fallback : policy.fallback;
  // a model's fallback client is called directly; a fallback agent goes through retry and its own breaker
  const own = kind === "model" ? primaryOnly : (layer: Interceptor) => layer;
  const timeoutMs = policy.timeoutMs ?? options.timeoutMs;
  return [
    ...(fallback ? [fallbackInterceptor(fallback)] : []),
    own(retryInterceptor(policy.retry ?? { maxRetries: 0 })),
    ...(setup.breakers ? [own(breakerInterceptor(setup.breakers, setup.onBreaker))] : []),
    ...(kind === "tool" || (kind === "agent" && timeoutMs) ? [timeoutInterceptor(timeoutMs)] : []),
    ...(setup.interceptors ?? []),
  ];
}

/**
 * The pipeline every agent, model, tool and compensation call goes through, built from the spec's
 * policy for that call (see {@link pipelineLayers} for the order).
 *
 * @example
 * const pipeline = callPipeline("agent", "writer", { resilience: team.resilience, breakers: team.breakers });
 * const result = await pipeline({ kind: "agent", name: "writer", attempt: 0, emit }, (call) => invoke(call.name));
 */
export function callPipeline(kind: CallKind, name: string, setup: PipelineSetup, options: CallOptions = {}): Pipeline {
  return compose(pipelineLayers(kind, name, setup, options));
}
