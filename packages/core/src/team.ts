import { randomUUID } from "node:crypto";
import type { StateSnapshot } from "@langchain/langgraph";
import { serveAgent } from "./agent-host.js";
import { createAgentNode, RUN_ID_KEY, type RunContext } from "./agent-node.js";
import type { Bus, Subscription } from "./bus.js";
import type { Agent } from "./define-agent.js";
import type { AnyPattern, RunnableTeamGraph } from "./define-pattern.js";
import { TroupeError, toTroupeError } from "./errors.js";
import { runEventsTopic, type EventBody, type TroupeEvent } from "./events.js";
import { InProcessBus } from "./in-process-bus.js";
import { userText } from "./messages.js";
import type { ModelClient } from "./model-client.js";
import { AsyncQueue } from "./async-queue.js";
import { runResultOf, type RunResult } from "./run-result.js";
import type { TeamStateValue } from "./team-state.js";
import type { TeamSpec } from "./team-spec.js";
import type { TeamStore } from "./team-store.js";

export interface TeamOptions {
  spec: TeamSpec;
  pattern: AnyPattern;
  /** Every agent named in the spec, resolved. */
  agents: ReadonlyMap<string, Agent>;
  store: TeamStore;
  /** Picks each agent's model (see createModelResolver). */
  resolveModel: (choice: string | ModelClient | undefined) => ModelClient;
  bus?: Bus;
  /** Directory the spec's imports are relative to; stored with each thread. */
  baseDir?: string;
  /** Serve the agents on the bus from this process (default true; false when workers host them). */
  serveAgents?: boolean;
}

export interface RunOptions {
  /** Continue (or start) this thread; a new id is made when absent. */
  threadId?: string;
  signal?: AbortSignal;
}

export interface ReplayOptions {
  /** Checkpoint to replay from (default: the start of the thread's last user turn). */
  from?: string;
  /** Call the agents again instead of answering from the records. */
  live?: boolean;
  signal?: AbortSignal;
}

/** One checkpoint of a thread, as `troupe history` lists it. */
export interface CheckpointInfo {
  checkpointId: string;
  parentId?: string;
  step: number;
  source: string;
  userTurn: number;
  /** The agent that acted last when the checkpoint was taken. */
  agent: string | null;
  /** Nodes that run next from here. */
  next: string[];
  createdAt: string;
}

/**
 * A team compiled to a LangGraph state graph: run it, stream its events, list and replay its
 * checkpoints. Made by the pattern builders (`supervisor({...})`) or `loadTeam(path)`.
 *
 * @example
 * const result = await team.run("Brief me on saga compensation", { threadId: "t-42" });
 * for await (const ev of team.stream("...", { threadId: "t-43" })) console.log(ev.type);
 * const history = await team.history("t-42");
 * await team.replay("t-42", { from: history[2]!.checkpointId });
 */
export class Team {
  readonly name: string;
  readonly spec: TeamSpec;
  readonly store: TeamStore;
  readonly bus: Bus;
  private readonly options: TeamOptions;
  private readonly runs = new Map<string, RunContext>();
  private readonly graph: RunnableTeamGraph;
  private serving: Promise<Subscription[]> | undefined;

  constructor(options: TeamOptions) {
    this.options = options;
    this.spec = options.spec;
    this.name = options.spec.name;
    this.store = options.store;
    this.bus = options.bus ?? new InProcessBus();
    const deps = { bus: this.bus, records: options.store.records, limits: options.spec.limits, runs: this.runs };
    const builder = options.pattern.compile(options.spec, {
      spec: options.spec,
      agents: options.agents,
      agentNode: (agent, plan) => createAgentNode(deps, agent, plan),
    });
    this.graph = builder.compile({ checkpointer: options.store.checkpointer, name: options.spec.name }) as RunnableTeamGraph;
  }

  /** Runs one user message to the end. Rejects with the run's TroupeError (partial result in `details.result`) when it fails. */
  async run(input: string, options: RunOptions = {}): Promise<RunResult> {
    const { events, result } = this.start({ kind: "run", input }, options.threadId ?? randomUUID(), options.signal);
    for await (const _ of events);
    return settle(await result);
  }

  /** Runs one user message, yielding each event as it happens. */
  stream(input: string, options: RunOptions = {}): AsyncIterable<TroupeEvent> {
    const { events, result } = this.start({ kind: "run", input }, options.threadId ?? randomUUID(), options.signal);
    result.catch(() => undefined);
    return events;
  }

  /** Re-runs a thread from a checkpoint. Without `live`, agents answer from the records: no model calls. */
  async replay(threadId: string, options: ReplayOptions = {}): Promise<RunResult> {
    const { events, result } = this.startReplay(threadId, options);
    for await (const _ of events);
    return settle(await result);
  }

  /** Like replay, yielding events. */
  replayStream(threadId: string, options: ReplayOptions = {}): AsyncIterable<TroupeEvent> {
    const { events, result } = this.startReplay(threadId, options);
    result.catch(() => undefined);
    return events;
  }

  /** The thread's checkpoints, oldest first. Throws THREAD_UNKNOWN for a thread with none. */
  async history(threadId: string): Promise<CheckpointInfo[]> {
    const list: CheckpointInfo[] = [];
    for await (const snapshot of this.graph.getStateHistory({ configurable: { thread_id: threadId } })) list.push(checkpointInfo(snapshot));
    if (!list.length) throw new TroupeError("THREAD_UNKNOWN", `no checkpoints for thread "${threadId}" in ${this.store.kind}; check the thread id and --store`);
    return list.reverse();
  }

  /** The latest state of a thread (undefined for an unknown thread). */
  async state(threadId: string): Promise<TeamStateValue | undefined> {
    const snapshot = await this.graph.getState({ configurable: { thread_id: threadId } });
    return snapshot.config.configurable?.checkpoint_id ? (snapshot.values as TeamStateValue) : undefined;
  }

  /** The result of the thread's latest user turn as it stands now (undefined for an unknown thread). */
  async result(threadId: string): Promise<RunResult | undefined> {
    const snapshot = await this.graph.getState({ configurable: { thread_id: threadId } });
    if (!snapshot.config.configurable?.checkpoint_id) return undefined;
    return runResultOf(snapshot.values as TeamStateValue, { threadId, runId: "", ...checkpointOf(snapshot) });
  }

  /** The compiled graph as a Mermaid diagram. */
  async mermaid(): Promise<string> {
    return (await this.graph.getGraphAsync()).drawMermaid();
  }

  /** Stops serving agents and closes the store. */
  async close(): Promise<void> {
    const subs = await this.serving?.catch(() => []);
    await Promise.all((subs ?? []).map((s) => s.unsubscribe()));
    await this.store.close();
  }

  private startReplay(threadId: string, options: ReplayOptions) {
    return this.start({ kind: "replay", threadId, ...(options.from ? { from: options.from } : {}), live: options.live ?? false }, threadId, options.signal);
  }

  private start(
    work: { kind: "run"; input: string } | { kind: "replay"; threadId: string; from?: string; live: boolean },
    threadId: string,
    signal: AbortSignal | undefined,
  ): { events: AsyncIterable<TroupeEvent>; result: Promise<RunResult> } {
    const runId = randomUUID();
    const queue = new AsyncQueue<TroupeEvent>();
    const stamp = (body: EventBody): TroupeEvent => ({ ...body, runId, threadId, at: new Date().toISOString() }) as TroupeEvent;
    const emit = (body: EventBody) => queue.push(stamp(body));
    const controller = new AbortController();
    signal?.addEventListener("abort", () => controller.abort(signal.reason), { once: true });

    const result = (async (): Promise<RunResult> => {
      let subscription: Subscription | undefined;
      try {
        await this.serveAgents();
        subscription = await this.bus.subscribe(runEventsTopic(runId), (message) => queue.push(message as TroupeEvent));
        const mode = work.kind === "replay" && !work.live ? "replay" : "live";
        this.runs.set(runId, { runId, threadId, mode, emit, signal: controller.signal, stream: true });
        const { input, checkpointId } = work.kind === "run" ? await this.runInput(threadId, work.input) : await this.replayInput(threadId, work.from);
        emit({ type: "run.started", input: work.kind === "run" ? work.input : null, mode, ...(checkpointId ? { from: checkpointId } : {}) });
        const stream = await this.graph.stream(input, {
          configurable: { thread_id: threadId, [RUN_ID_KEY]: runId, ...(checkpointId ? { checkpoint_id: checkpointId } : {}) },
          streamMode: ["checkpoints"],
          signal: controller.signal,
          recursionLimit: this.spec.limits.maxTurns * 4 + 20,
        });
        for await (const chunk of stream) {
          const [kind, payload] = chunk as [string, { config?: { configurable?: { checkpoint_id?: string } }; metadata?: { step?: number } }];
          const id = payload.config?.configurable?.checkpoint_id;
          if (kind === "checkpoints" && id) emit({ type: "checkpoint.saved", checkpointId: id, step: payload.metadata?.step ?? -1 });
        }
        const snapshot = await this.graph.getState({ configurable: { thread_id: threadId } });
        const final = runResultOf(snapshot.values as TeamStateValue, { threadId, runId, ...checkpointOf(snapshot) });
        if (final.status === "completed") emit({ type: "run.completed", output: final.output, usage: final.usage });
        else emit({ type: "run.failed", error: final.error ?? new TroupeError("INTERNAL", "the run stopped without an answer").toInfo() });
        return final;
      } catch (error) {
        const typed = toTroupeError(error, "INTERNAL", `team ${this.name}`);
        emit({ type: "run.failed", error: typed.toInfo() });
        throw typed;
      } finally {
        this.runs.delete(runId);
        await subscription?.unsubscribe();
        queue.close();
      }
    })();
    return { events: queue, result };
  }

  private async runInput(threadId: string, input: string) {
    await this.store.threads.saveThread({ threadId, spec: this.spec, baseDir: this.options.baseDir ?? process.cwd() });
    const prior = await this.state(threadId);
    return {
      input: { input, userTurn: (prior?.userTurn ?? 0) + 1, turn: 0, status: "running", output: null, error: null, messages: [userText(input)] },
      checkpointId: undefined,
    };
  }

  private async replayInput(threadId: string, from: string | undefined) {
    const history = await this.history(threadId);
    if (from !== undefined && !history.some((c) => c.checkpointId === from)) {
      throw new TroupeError("CHECKPOINT_UNKNOWN", `thread "${threadId}" has no checkpoint "${from}"; list them with troupe history ${threadId}`);
    }
    return { input: null, checkpointId: from ?? turnStart(history) };
  }

  private serveAgents(): Promise<Subscription[]> {
    if (this.options.serveAgents === false) return Promise.resolve([]);
    this.serving ??= Promise.all(
      [...this.options.agents.values()].map((agent) =>
        serveAgent(this.bus, agent, { model: this.options.resolveModel(agent.model ?? this.spec.agents[agent.name]?.model ?? this.spec.model) }),
      ),
    );
    return this.serving;
  }
}

/** The input checkpoint that started the thread's last user turn. */
function turnStart(history: CheckpointInfo[]): string {
  const inputs = history.filter((c) => c.source === "input");
  return (inputs.at(-1) ?? history[0]!).checkpointId;
}

function settle(result: RunResult): RunResult {
  if (result.status === "completed") return result;
  const error = result.error ?? { code: "INTERNAL" as const, message: "the run failed", retryable: false };
  throw new TroupeError(error.code, error.message, { details: { ...error.details, result } });
}

function checkpointOf(snapshot: StateSnapshot): { checkpointId?: string } {
  const id = snapshot.config.configurable?.checkpoint_id;
  return typeof id === "string" ? { checkpointId: id } : {};
}

function checkpointInfo(snapshot: StateSnapshot): CheckpointInfo {
  const values = (snapshot.values ?? {}) as Partial<TeamStateValue>;
  const metadata = (snapshot.metadata ?? {}) as { step?: number; source?: string };
  const parentId = snapshot.parentConfig?.configurable?.checkpoint_id;
  return {
    checkpointId: String(snapshot.config.configurable?.checkpoint_id),
    ...(typeof parentId === "string" ? { parentId } : {}),
    step: metadata.step ?? -1,
    source: metadata.source ?? "loop",
    userTurn: values.userTurn ?? 0,
    agent: values.activeAgent ?? null,
    next: [...snapshot.next],
    createdAt: snapshot.createdAt ?? "",
  };
}
