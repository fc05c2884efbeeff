import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import {
  agentServingOptions,
  createModelResolver,
  defaultLogger,
  defaultResilience,
  isAgent,
  jsonSchemaOf,
  PolicyBreakers,
  serveAgent,
  TroupeError,
  type Agent,
  type AgentHandle,
  type Interceptor,
  type Logger,
  type ModelClient,
  type TeamStore,
} from "@troupe/core";
import { AgentRegistry, type AgentRegistryOptions, type Registration } from "./agent-registry.js";
import type { NatsBus } from "./nats-bus.js";

export interface WorkerOptions {
  bus: NatsBus;
  agents: Agent[];
  /** The `--model` choice for agents that name none (else Claude with ANTHROPIC_API_KEY, else offline). */
  model?: string | ModelClient;
  models?: Record<string, ModelClient>;
  env?: Readonly<Record<string, string | undefined>>;
  onNotice?: (message: string) => void;
  /**
   * The store the callers (orchestrators, `troupe run --nats`) use; not closed by `drain()`. The
   * worker reads approval decisions from it, records model answers and tool results there (a retried
   * request never repeats a side effect) and journals compensable tool calls there, so a cancelled or
   * failed run compensates them. `memoryStore()` only when nothing else needs them (a test).
   */
  store: Pick<TeamStore, "records" | "docs" | "leases">;
  /** Registry settings (TTL, heartbeat); the namespace is the bus's. */
  registry?: Omit<AgentRegistryOptions, "namespace">;
  workerId?: string;
  /** Your interceptors, around each attempt of every model and tool call the hosted agents make. */
  interceptors?: readonly Interceptor[];
  /** Where the hosted agents log (default `defaultLogger()`), with `worker` on every line. */
  logger?: Logger;
}

/**
 * Hosts agents on NATS: each one is served as a queue-group member on
 * `troupe.<ns>.agent.<name>.invoke` (so workers share the load) and registered, with heartbeats,
 * in the namespace's agent registry. Agents are served exactly as a Team serves them in-process
 * (agentServingOptions), with each request's caller's resilience policy. `drain()` stops taking
 * requests, finishes those in flight and deregisters.
 *
 * @example
 * const worker = await Worker.start({ bus, agents: await loadAgentModule("./dist/agents.js"), store: postgresStore(url) });
 * process.on("SIGTERM", () => void worker.drain());
 */
export class Worker {
  readonly agents: readonly string[];
  readonly workerId: string | undefined;
  private readonly handles: AgentHandle[];
  private readonly registrations: Registration[];
  private readonly breakers: PolicyBreakers;
  private readonly logger: Logger;
  private drained: Promise<void> | undefined;

  private constructor(handles: AgentHandle[], registrations: Registration[], breakers: PolicyBreakers, logger: Logger) {
    this.handles = handles;
    this.registrations = registrations;
    this.breakers = breakers;
    this.agents = handles.map((h) => h.agent);
    this.workerId = registrations[0]?.entry.workerId;
    this.logger = logger.child(this.workerId && !workerIdBound(logger) ? { worker: this.workerId } : {});
    this.logger.info({ agents: this.agents }, `serving ${this.agents.join(", ")}`);
  }

  /** Serves and registers the agents. */
  static async start(options: WorkerOptions): Promise<Worker> {
    if (!options.agents.length) throw new TroupeError("AGENT_UNKNOWN", "a worker needs at least one agent to host");
    const resolveModel = createModelResolver({
      ...(options.models ? { models: options.models } : {}),
      ...(options.model ? { fallback: options.model } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.onNotice ? { onNotice: options.onNotice } : {}),
    });
    const registry = await AgentRegistry.open(options.bus.connection, {
      ...options.registry,
      namespace: options.bus.namespace,
    });
    const handles: AgentHandle[] = [];
    const registrations: Registration[] = [];
    const workerId = options.workerId;
    const breakers = new PolicyBreakers();
    const logger = (options.logger ?? defaultLogger()).child(workerId ? { worker: workerId } : {});
    try {
      for (const agent of options.agents) {
        const serving = agentServingOptions({
          model: resolveModel(agent.model),
          resolveModel,
          store: options.store,
          resilience: defaultResilience(),
          breakers: (policy) => breakers.for(policy),
          ...(options.interceptors ? { interceptors: options.interceptors } : {}),
          logger,
        });
        handles.push(await serveAgent(options.bus, agent, serving));
        registrations.push(
          await registry.register({
            name: agent.name,
            version: versionOf(agent),
            ...(workerId ? { workerId } : registrations[0] ? { workerId: registrations[0].entry.workerId } : {}),
            ...(agent.input ? { inputSchema: jsonSchemaOf(agent.input) } : {}),
            ...(agent.output ? { outputSchema: jsonSchemaOf(agent.output) } : {}),
          }),
        );
      }
    } catch (error) {
      await Promise.allSettled([...handles.map((h) => h.unsubscribe()), ...registrations.map((r) => r.stop())]);
      breakers.shutdown();
      throw error;
    }
    return new Worker(handles, registrations, breakers, logger);
  }

  /** Deregisters, stops taking requests and resolves once the ones in flight are answered. */
  drain(): Promise<void> {
    this.drained ??= (async () => {
      this.logger.info("draining: deregistering, finishing requests in flight");
      // refuse new requests at once (drain() flips the agents to draining before it awaits), then deregister
      const handlesDone = this.handles.map((h) => h.drain());
      await Promise.allSettled(this.registrations.map((r) => r.stop()));
      await Promise.all(handlesDone);
      this.breakers.shutdown();
      this.logger.info("drained");
    })();
    return this.drained;
  }
}

/**
 * Imports a module and returns the agents it exports (defineAgent values).
 *
 * @example
 * const agents = await loadAgentModule("./dist/agents.js");
 */
export async function loadAgentModule(path: string, cwd: string = process.cwd()): Promise<Agent[]> {
  const target = resolve(cwd, path);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(target).href)) as Record<string, unknown>;
  } catch (error) {
    throw new TroupeError(
      "AGENT_UNKNOWN",
      `cannot load agent module ${path}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
      { cause: error },
    );
  }
  const agents = Object.values(mod).filter(isAgent);
  if (!agents.length)
    throw new TroupeError("AGENT_UNKNOWN", `${path} exports no agents; export defineAgent(...) values`);
  return agents;
}

/** Whether the logger already names the worker (WorkerOptions.workerId). */
const workerIdBound = (logger: Logger) => logger.bindings().worker !== undefined;

/** Changes when what the agent does changes: instructions, tools, model, schemas. */
function versionOf(agent: Agent): string {
  const model = typeof agent.model === "string" ? agent.model : (agent.model?.id ?? "");
  const body = JSON.stringify([
    agent.name,
    agent.description,
    agent.instructions,
    agent.tools.map((t) => t.name),
    model,
    agent.maxSteps,
    agent.input ? jsonSchemaOf(agent.input) : null,
    agent.output ? jsonSchemaOf(agent.output) : null,
  ]);
  return createHash("sha256").update(body).digest("hex").slice(0, 12);
}
