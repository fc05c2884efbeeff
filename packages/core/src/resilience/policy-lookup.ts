import type { BreakerOptions, BreakerScope } from "./circuit-breakers.js";
import type { RetryPolicy } from "./retry.js";
import type { Resilience } from "../protocol/resilience-policy.js";
import type { CallKind } from "./interceptor.js";

/** The part of a resilience block a call's pipeline reads; a host serving without a policy has none of it. */
export type PolicySource = Partial<Pick<Resilience, "retry" | "agents" | "tools" | "models">>;

/** What the spec says for one call: its retry policy (none: one attempt), attempt timeout and fallback. */
export interface CallPolicy {
  retry?: RetryPolicy;
  timeoutMs?: number;
  /** The agent that answers when this one fails retryably or its breaker is open. */
  fallback?: string;
}

/**
 * The policy of one call, from the resilience block alone:
 * - agent: `agents.<name>.retry`, else `retry`; `agents.<name>.timeoutMs` (a deadline on each
 *   attempt); `agents.<name>.fallback`;
 * - model: `models.<id>.retry` only (without it a model failure fails the agent request, which the
 *   agent's policy retries); its timeout is its breaker's, and its fallback is resolved by the host;
 * - tool: `tools.<name>.retry` (explicit: it applies even to tools that are not idempotent), else
 *   `retry` for idempotent tools only (a retry must not repeat a side effect); `tools.<name>.timeoutMs`;
 * - compensation: the tool's `tools.<name>.retry`, else `retry`.
 *
 * @example
 * callPolicy(resilience, "tool", "charge_card", { idempotent: false }); // { retry: undefined, timeoutMs: ... }
 */
export function callPolicy(
  resilience: PolicySource,
  kind: CallKind,
  name: string,
  options: { idempotent?: boolean } = {},
): CallPolicy {
  if (kind === "agent") {
    const own = resilience.agents?.[name];
    return { retry: own?.retry ?? resilience.retry, timeoutMs: own?.timeoutMs, fallback: own?.fallback };
  }
  if (kind === "model") return { retry: modelPolicy(resilience, name)?.retry };
  const own = resilience.tools?.[name];
  if (kind === "compensation") return { retry: own?.retry ?? resilience.retry };
  return { retry: own?.retry ?? (options.idempotent ? resilience.retry : undefined), timeoutMs: own?.timeoutMs };
}

/** The policy for a model, by client id ("anthropic:claude-…") or bare name ("claude-…"). */
export function modelPolicy(
  resilience: Partial<Pick<Resilience, "models">>,
  id: string,
): Resilience["models"][string] | undefined {
  return resilience.models?.[id] ?? resilience.models?.[id.replace(/^anthropic:/, "")];
}

/**
 * The breaker settings of one agent, tool or model from the resilience block: its `breaker`
 * (`false` turns it off), with a model's `timeoutMs` enforced by that breaker (an agent's
 * `timeoutMs` is a deadline on its request; a tool's aborts the attempt in callTool). Claude models match with or
 * without the "anthropic:" prefix.
 *
 * @example
 * const breakers = new BreakerRegistry(resilience.breaker, (scope, name) => breakerPolicy(resilience, scope, name));
 */
export function breakerPolicy(
  resilience: Pick<Resilience, "tools" | "models"> & Partial<Pick<Resilience, "agents">>,
  scope: BreakerScope,
  name: string,
): BreakerOptions | false | undefined {
  const policy =
    scope === "agent"
      ? resilience.agents?.[name]
      : scope === "tool"
        ? resilience.tools[name]
        : modelPolicy(resilience, name);
  // an agent's timeoutMs is a deadline on its request; a tool's is enforced per attempt by the tool contract, which aborts the attempt
  if (!policy || policy.breaker === false || scope !== "model" || policy.timeoutMs === undefined)
    return policy?.breaker;
  return { ...policy.breaker, timeoutMs: policy.breaker?.timeoutMs ?? policy.timeoutMs };
}
