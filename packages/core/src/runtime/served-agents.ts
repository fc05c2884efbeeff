import { serveAgent, type AgentHandle } from "../agent/agent-host.js";
import { agentServingOptions } from "../agent/agent-serving.js";
import type { Agent } from "../authoring/define-agent.js";
import type { Bus } from "../bus/bus.js";
import type { ModelClient } from "../protocol/model-client.js";
import type { Resilience } from "../protocol/resilience-policy.js";
import type { BreakerRegistry } from "../resilience/circuit-breakers.js";
import type { Interceptor } from "../resilience/interceptor.js";
import type { TeamSpec } from "../spec/team-spec.js";
import type { TeamStore } from "../stores/team-store.js";
import { logIgnored, type Logger } from "../logging/logger.js";

export interface ServedAgentsDeps {
  /** False when workers host the agents: nothing is served here. */
  enabled: boolean;
  agents: ReadonlyMap<string, Agent>;
  bus: Bus;
  spec: TeamSpec;
  store: TeamStore;
  resilience: Resilience;
  breakers: BreakerRegistry;
  resolveModel: (choice: string | ModelClient | undefined) => ModelClient;
  /** Your interceptors, around each attempt of the agents' model and tool calls. */
  interceptors: readonly Interceptor[];
  logger: Logger;
}

/** The team's agents served on its bus from this process, started on first use. */
export class ServedAgents {
  private serving: Promise<AgentHandle[]> | undefined;

  constructor(private readonly deps: ServedAgentsDeps) {}

  /** Starts serving (once); resolves to the agents' handles. */
  serve(): Promise<AgentHandle[]> {
    const { deps } = this;
    if (!deps.enabled) return Promise.resolve([]);
    this.serving ??= Promise.all(
      [...deps.agents.values()].map((agent) =>
        serveAgent(
          deps.bus,
          agent,
          agentServingOptions({
            model: deps.resolveModel(agent.model ?? deps.spec.agents[agent.name]?.model ?? deps.spec.model),
            resolveModel: deps.resolveModel,
            store: deps.store,
            resilience: deps.resilience,
            breakers: () => deps.breakers,
            interceptors: deps.interceptors,
            logger: deps.logger,
          }),
        ),
      ),
    );
    return this.serving;
  }

  /** Waits (at most `graceMs`) until no agent served here is busy. */
  async settled(graceMs: number): Promise<void> {
    const handles = await (this.serving ?? Promise.resolve([]));
    const until = Date.now() + graceMs;
    while (handles.some((h) => h.state() === "busy") && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  }

  /** Stops serving; an agent that never started serving has nothing to stop. */
  async close(): Promise<void> {
    const handles = await this.serving?.catch((error: unknown) => {
      logIgnored(this.deps.logger, error, "agents that failed to start serving have nothing to stop");
      return [];
    });
    await Promise.all((handles ?? []).map((h) => h.unsubscribe()));
  }
}
