import type { BreakerOptions, BreakerScope } from "./circuit-breakers.js";
import type { RetryPolicy } from "./retry.js";
import type { Resilience } from "../protocol/resilience-policy.js";

/** How the host retries a tool: its own policy when the spec sets one, else the default, which applies only to idempotent tools. */
export type ToolRetryLookup = (tool: string) => { policy: RetryPolicy; explicit: boolean };

/**
 * How a tool is retried under a policy: its own `tools.<name>.retry` (explicit: it applies even to
 * tools that are not idempotent), else the block's default retry (applied to idempotent tools only).
 *
 * @example
 * const guard = toolGuard({ retry: toolRetryLookup(resilience), emit });
 */
export function toolRetryLookup(resilience: Pick<Resilience, "tools" | "retry">): ToolRetryLookup {
  return (tool) => {
    const own = resilience.tools[tool]?.retry;
    return { policy: own ?? resilience.retry, explicit: own !== undefined };
  };
}

/** The policy for a model, by client id ("anthropic:claude-…") or bare name ("claude-…"). */
export function modelPolicy(
  resilience: Pick<Resilience, "models">,
  id: string,
): Resilience["models"][string] | undefined {
  return resilience.models[id] ?? resilience.models[id.replace(/^anthropic:/, "")];
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
