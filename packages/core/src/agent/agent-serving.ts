import type { ServeAgentOptions } from "./agent-host.js";
import { BreakerRegistry } from "../resilience/circuit-breakers.js";
import type { ModelClient } from "../protocol/model-client.js";
import type { DocStore, RecordStore } from "../stores/record-store.js";
import type { LeaseStore } from "../stores/thread-lease.js";
import { hostResilience, type HostResilience } from "../protocol/resilience-policy.js";
import { breakerPolicy, modelPolicy } from "../resilience/policy-lookup.js";
import type { Interceptor } from "../resilience/interceptor.js";
import type { Logger } from "../logging/logger.js";

export interface AgentServingDeps {
  /** The agent's model. */
  model: ModelClient;
  /** Resolves a model policy's `fallback` name to a client. */
  resolveModel: (choice: string) => ModelClient;
  /**
   * The team's store: model answers, tool results and approval decisions (`approval:<key>`) are
   * read and written in its records, compensable tool calls journaled in its documents. Every host
   * of a team's agents (the team itself, each `troupe worker`) must use the same one.
   */
  store: { records: RecordStore; docs: DocStore; leases: LeaseStore };
  /** The policy for requests that carry none: a team's own block; `defaultResilience()` on a worker. */
  resilience: HostResilience;
  /** The breakers a policy's calls go through: a team's own registry; a `PolicyBreakers` on a worker. */
  breakers: (resilience: HostResilience) => BreakerRegistry;
  /** Your interceptors, around each attempt of the agent's model and tool calls. */
  interceptors?: readonly Interceptor[];
  /** Where the host logs (ServeAgentOptions.logger). */
  logger?: Logger;
}

/**
 * The options an agent is served with (`serveAgent`), the same in a Team and in a `troupe worker`:
 * the policy its model and tool calls follow (retries, breakers, timeouts, the model's fallback
 * client), your interceptors, records and the saga journal. A request that carries its caller's
 * policy (`AgentRequest.resilience`) is served by that policy.
 *
 * @example
 * const options = agentServingOptions({ model, resolveModel, store, resilience: team.resilience, breakers: () => team.breakers });
 * const handle = await serveAgent(bus, agent, options);
 */
export function agentServingOptions(deps: AgentServingDeps): ServeAgentOptions {
  const byPolicy = new Map<string, ServeAgentOptions>();
  const forPolicy = (resilience: HostResilience): ServeAgentOptions => {
    const policy = hostResilience(resilience);
    const key = JSON.stringify(policy);
    let options = byPolicy.get(key);
    if (!options) {
      options = policyOptions(deps, policy);
      byPolicy.set(key, options);
    }
    return options;
  };
  return {
    ...forPolicy(deps.resilience),
    forRequest: (request) => (request.resilience ? forPolicy(request.resilience) : undefined),
  };
}

function policyOptions(deps: AgentServingDeps, resilience: HostResilience): ServeAgentOptions {
  const model = modelPolicy(resilience, deps.model.id);
  return {
    model: deps.model,
    ...(model?.fallback ? { fallbackModel: deps.resolveModel(model.fallback) } : {}),
    resilience,
    ...(deps.interceptors ? { interceptors: deps.interceptors } : {}),
    records: deps.store.records,
    sagaJournal: deps.store.docs,
    leases: deps.store.leases,
    breakers: deps.breakers(resilience),
    ...(deps.logger ? { logger: deps.logger } : {}),
  };
}

/**
 * Circuit breakers for a host that serves callers with different policies (a worker): one
 * registry per distinct policy, so each team's breaker settings apply to its own calls.
 *
 * @example
 * const breakers = new PolicyBreakers();
 * agentServingOptions({ ..., resilience: defaultResilience(), breakers: (r) => breakers.for(r) });
 */
export class PolicyBreakers {
  private readonly registries = new Map<string, BreakerRegistry>();

  /** The registry for a policy, made on first use. */
  for(resilience: HostResilience): BreakerRegistry {
    const policy = hostResilience(resilience);
    const key = JSON.stringify([policy.breaker, policy.tools, policy.models]);
    let registry = this.registries.get(key);
    if (!registry) {
      registry = new BreakerRegistry(policy.breaker, (scope, name) => breakerPolicy(policy, scope, name));
      this.registries.set(key, registry);
    }
    return registry;
  }

  /** Stops every breaker's timers. */
  shutdown(): void {
    for (const registry of this.registries.values()) registry.shutdown();
    this.registries.clear();
  }
}
