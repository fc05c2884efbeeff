import { randomUUID } from "node:crypto";
import { serveAgent, type AgentHandle, type CompensateRequest } from "../agent/agent-host.js";
import { agentServingOptions } from "../agent/agent-serving.js";
import { stepUndoer, type UndoStep } from "./compensator.js";
import { createAgentNode, type ApprovalDecision, type RunContext } from "../graph/agent-node.js";
import { createCodeNode } from "../graph/code-node.js";
import { createToolNode } from "../graph/tool-node.js";
import { Approvals, type Approval } from "../records/approvals.js";
import type { Bus } from "../bus/bus.js";
import { BreakerRegistry } from "../resilience/circuit-breakers.js";
import { DeadLetters, type DeadLetter } from "../records/dead-letters.js";
import type { Agent } from "../authoring/define-agent.js";
import type { AnyPattern, RunnableTeamGraph } from "../graph/define-pattern.js";
import type { StepDefinition } from "../authoring/define-step.js";
import type { Tool } from "../authoring/define-tool.js";
import { TroupeError } from "../errors.js";
import type { TroupeEvent } from "../protocol/events.js";
import { InProcessBus } from "../bus/in-process-bus.js";
import type { ModelClient } from "../protocol/model-client.js";
import { breakerPolicy, ResilienceSchema, type Resilience } from "../protocol/resilience-policy.js";
import { runResultOf, type RunResult } from "./run-result.js";
import { execute, type ActiveRun, type Execution, type ExecutorDeps, type Work } from "./run-executor.js";
import { requestControl } from "./run-lifecycle.js";
import { leaseSettings, type LeaseSettings } from "../stores/thread-lease.js";
import { threadStatus, type ThreadStatus } from "./thread-status.js";
import type { TeamStateValue } from "../protocol/team-state.js";
import type { TeamSpec } from "../spec/team-spec.js";
import type { TeamStore } from "../stores/team-store.js";
import { forkThread } from "./fork-thread.js";
import { threadHistory, type CheckpointInfo } from "./thread-history.js";

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
  /** Tools and steps patterns may run as graph nodes (custom graphs), by name. */
  tools?: ReadonlyMap<string, Tool>;
  steps?: ReadonlyMap<string, StepDefinition>;
  /** Milliseconds since the epoch (default Date.now); approval deadlines use it. */
  clock?: () => number;
  /** How often a run looks for pause/cancel requests from other processes, ms (default 250). */
  controlPollMs?: number;
  /** Thread lease timing (default: 15 s TTL, heartbeat every 5 s; TROUPE_LEASE_TTL_MS overrides the TTL). */
  lease?: Partial<LeaseSettings>;
}

export interface RunOptions {
  /** Continue (or start) this thread; a new id is made when absent. */
  threadId?: string;
  signal?: AbortSignal;
  /**
   * When another run holds the thread: false (default) fails at once with THREAD_BUSY; true waits
   * until it is free; a number waits at most that many ms.
   */
  wait?: boolean | number;
  /**
   * What breaking out of `for await (team.stream(...))` early does: "cancel" (default) cancels the
   * run (in-flight calls aborted, completed saga steps compensated) and waits for it to settle;
   * "detach" lets it run to the end in the background (read it later with team.status / team.result).
   */
  onBreak?: "cancel" | "detach";
}

/** A person's decision on a pending approval; `approvalId` picks one when a thread waits for several. */
export interface DecideOptions extends ApprovalDecision {
  approvalId?: string;
}

export interface ReplayOptions {
  /** Checkpoint to replay from (default: the start of the thread's last user turn). */
  from?: string;
  /** Call the agents again instead of answering from the records. */
  live?: boolean;
  /**
   * With `live`: run tools that have `compensate` or are not `idempotent` again. By default a live
   * replay answers those calls from the recorded run (a call the recorded run never made is refused
   * with REPLAY_MISS), so no side effect happens twice.
   */
  liveTools?: boolean;
  /**
   * Replay into a new thread (this id, or `<thread>-fork-<n>` for `true`) that starts as a copy of
   * the original up to `from`; the original thread is left exactly as it was.
   */
  fork?: boolean | string;
  signal?: AbortSignal;
  /** As for run: wait for a busy thread (true, or at most this many ms) instead of THREAD_BUSY. Not used with `fork`. */
  wait?: boolean | number;
}

/**
 * A team compiled to a LangGraph state graph: run it, stream its events, pause, resume or cancel
 * it, list and replay its checkpoints, answer its approvals and redrive its dead letters.
 * Made by the pattern builders (`supervisor({...})`) or `loadTeam(path)`.
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
  readonly resilience: Resilience;
  readonly deadLetters: DeadLetters;
  readonly approvals: Approvals;
  readonly breakers: BreakerRegistry;
  private readonly options: TeamOptions;
  private readonly runs = new Map<string, RunContext>();
  private readonly active = new Map<string, ActiveRun>();
  private readonly graph: RunnableTeamGraph;
  private readonly now: () => number;
  private readonly lease: LeaseSettings;
  private readonly undo: UndoStep;
  private serving: Promise<AgentHandle[]> | undefined;

  constructor(options: TeamOptions) {
    this.options = options;
    this.spec = options.spec;
    this.name = options.spec.name;
    this.store = options.store;
    this.bus = options.bus ?? new InProcessBus();
    this.now = options.clock ?? Date.now;
    this.lease = leaseSettings(options.lease);
    this.resilience = ResilienceSchema.parse(options.spec.resilience ?? {});
    const policies = this.resilience;
    this.breakers = new BreakerRegistry(policies.breaker, (scope, name) => breakerPolicy(policies, scope, name));
    this.deadLetters = new DeadLetters(options.store.docs);
    this.approvals = new Approvals(options.store.docs);
    this.undo = stepUndoer(this.bus, options.tools, options.store.records);
    const deps = {
      bus: this.bus,
      records: options.store.records,
      limits: options.spec.limits,
      runs: this.runs,
      resilience: this.resilience,
      breakers: this.breakers,
      deadLetters: this.deadLetters,
      approvals: this.approvals,
      now: this.now,
    };
    const builder = options.pattern.compile(options.spec, {
      spec: options.spec,
      agents: options.agents,
      agentNode: (agent, plan) => createAgentNode(deps, agent, plan),
      codeNode: (id, plan) => createCodeNode(deps, id, plan),
      toolNode: (id, plan) => createToolNode({ ...deps, journal: options.store.docs }, id, plan),
      ...(options.tools ? { tools: options.tools } : {}),
      ...(options.steps ? { steps: options.steps } : {}),
    });
    this.graph = builder.compile({
      checkpointer: options.store.checkpointer,
      name: options.spec.name,
    }) as RunnableTeamGraph;
  }

  /** Runs one user message to the end. Rejects with the run's TroupeError (partial result in `details.result`) when it fails or is cancelled; resolves with status "paused" or "interrupted" when it stops to wait. */
  async run(input: string, options: RunOptions = {}): Promise<RunResult> {
    return this.finish(this.start({ kind: "run", input }, options.threadId ?? randomUUID(), options));
  }

  /** Runs one user message, yielding each event as it happens. */
  stream(input: string, options: RunOptions = {}): AsyncIterable<TroupeEvent> {
    return this.events(this.start({ kind: "run", input }, options.threadId ?? randomUUID(), options), options.onBreak);
  }

  /** Re-runs a thread from a checkpoint. Without `live`, agents answer from the records: no model calls. */
  async replay(threadId: string, options: ReplayOptions = {}): Promise<RunResult> {
    const target = await this.replayTarget(threadId, options);
    return this.finish(this.start(target.work, target.threadId, options));
  }

  /** Like replay, yielding events. With `fork`, the events carry the new thread's id. */
  async *replayStream(threadId: string, options: ReplayOptions = {}): AsyncIterable<TroupeEvent> {
    const target = await this.replayTarget(threadId, options);
    yield* this.events(this.start(target.work, target.threadId, options));
  }

  /** The thread a replay runs on: the same one, or a fresh copy of it for `fork`. */
  private async replayTarget(threadId: string, options: ReplayOptions): Promise<{ threadId: string; work: Work }> {
    if (!options.fork) return { threadId, work: replayWork(options) };
    const branch = await this.history(threadId);
    const from =
      options.from ?? [...branch].reverse().find((c) => c.source === "input")?.checkpointId ?? branch[0]!.checkpointId;
    const forkId = typeof options.fork === "string" ? options.fork : `${threadId}-fork-${randomUUID().slice(0, 8)}`;
    await forkThread(
      this.store.checkpointer,
      { threadId, upTo: from, branch: branch.map((c) => c.checkpointId) },
      forkId,
    );
    const info = await this.store.threads.getThread(threadId);
    await this.store.threads.saveThread({
      threadId: forkId,
      spec: info?.spec ?? this.spec,
      baseDir: info?.baseDir ?? this.options.baseDir ?? process.cwd(),
    });
    return { threadId: forkId, work: { ...replayWork({ ...options, from }), recordsThreadId: threadId } as Work };
  }

  /** Continues a paused, interrupted (pass the answer), crashed or half-compensated run from its checkpoint. */
  async resume(
    threadId: string,
    answer?: unknown,
    options: Pick<RunOptions, "signal" | "wait"> = {},
  ): Promise<RunResult> {
    return this.finish(this.start({ kind: "resume", ...(answer === undefined ? {} : { answer }) }, threadId, options));
  }

  /** Like resume, yielding events. */
  resumeStream(
    threadId: string,
    answer?: unknown,
    options: Omit<RunOptions, "threadId"> = {},
  ): AsyncIterable<TroupeEvent> {
    return this.events(
      this.start({ kind: "resume", ...(answer === undefined ? {} : { answer }) }, threadId, options),
      options.onBreak,
    );
  }

  /** Asks a run to stop at its next step boundary (here, or in whichever process runs it). */
  async pause(threadId: string): Promise<void> {
    const run = this.active.get(threadId);
    if (run) return run.pause();
    await this.requireRunning(threadId, "pause");
    await requestControl(this.store.docs, threadId, "pause");
  }

  /**
   * Stops this process's run of the thread at once, without pausing, cancelling or compensating:
   * the lease is let go and the run stays resumable (`troupe resume`), as after a crash.
   */
  async abandon(threadId: string): Promise<void> {
    await this.store.leases.release(threadId, this.active.get(threadId)?.runId ?? "");
  }

  /**
   * Cancels a run: in-flight model and tool calls are aborted and completed saga steps are
   * compensated. A paused or interrupted run, or one whose owner stopped heartbeating, is
   * cancelled here and now: its journaled saga steps are compensated by this process.
   */
  async cancel(threadId: string): Promise<RunResult | undefined> {
    const run = this.active.get(threadId);
    if (run) {
      run.cancel();
      return undefined;
    }
    const status = await this.status(threadId);
    if (status && (status.state === "paused" || status.state === "interrupted")) {
      return this.finish(this.start({ kind: "cancel" }, threadId, {}), false);
    }
    await this.requireRunning(threadId, "cancel");
    await requestControl(this.store.docs, threadId, "cancel");
    return undefined;
  }

  private async requireRunning(threadId: string, action: string): Promise<void> {
    const status = await this.status(threadId);
    if (status?.state !== "running") {
      throw new TroupeError(
        "RUN_NOT_RESUMABLE",
        `cannot ${action} thread "${threadId}": it is ${status?.state ?? "unknown"}, not running`,
      );
    }
  }

  /**
   * Where the thread's latest run stands (lifecycle state), and who runs it. A run whose owner
   * stopped heartbeating is reported as "interrupted", with `ownerLost` saying who and when.
   */
  status(threadId: string): Promise<ThreadStatus | undefined> {
    return threadStatus(this.store, threadId);
  }

  /**
   * Decides one pending approval (by `approvalId`, or the thread's only one) and resumes exactly
   * the call that asked for it.
   */
  async decide(threadId: string, decision: DecideOptions, options: Pick<RunOptions, "wait"> = {}): Promise<RunResult> {
    return this.finish(await this.startDecision(threadId, decision, options));
  }

  /** Like decide, yielding the resumed run's events. */
  async *decideStream(
    threadId: string,
    decision: DecideOptions,
    options: Omit<RunOptions, "threadId"> = {},
  ): AsyncIterable<TroupeEvent> {
    yield* this.events(await this.startDecision(threadId, decision, options), options.onBreak);
  }

  private async startDecision(
    threadId: string,
    { approvalId, ...decision }: DecideOptions,
    options: Omit<RunOptions, "threadId">,
  ): Promise<Execution> {
    await this.escalateOverdue();
    return this.start({ kind: "approve", ...(approvalId ? { approvalId } : {}), decision }, threadId, options);
  }

  /** Moves approvals whose deadline passed to their next approver; returns those that moved. */
  async escalateOverdue(): Promise<Array<{ approval: Approval; from: string }>> {
    const moved = await this.approvals.escalateOverdue(this.now());
    for (const { approval, from } of moved) {
      await this.bus.publish("approvals", {
        type: "approval.escalated",
        approvalId: approval.id,
        threadId: approval.threadId,
        from,
        to: approval.assignee,
        deadline: approval.deadline,
      });
    }
    return moved;
  }

  /**
   * Retries one dead letter: a compensation is tried again; a failed agent call or tool node re-runs
   * from its checkpoint. Takes the thread's lease like a run (`wait` as for run); the letter is
   * marked redriven once the redriven run holds the thread.
   */
  async redrive(id: string, options: Pick<RunOptions, "wait"> = {}): Promise<RunResult | { compensated: true }> {
    const letter = await this.deadLetters.get(id);
    if (!letter) throw new TroupeError("DEAD_LETTER_UNKNOWN", `no dead letter "${id}"; list them with troupe dlq list`);
    if (letter.status !== "open")
      throw new TroupeError("DEAD_LETTER_UNKNOWN", `dead letter "${id}" was already redriven`);
    await this.serveAgents();
    if (letter.kind === "compensation") {
      const step = letter.input as CompensateRequest["step"];
      await this.undo({ runId: letter.runId, threadId: letter.threadId, step });
      await this.graph.updateState(
        { configurable: { thread_id: letter.threadId } },
        { compensations: { [step.key]: "compensated" } },
      );
      await this.deadLetters.markRedriven(id);
      return { compensated: true };
    }
    const work = await this.redriveWork(letter);
    const run = this.start(work, letter.threadId, options);
    const letters = this.deadLetters;
    // marked once the redriven run holds the thread (a THREAD_BUSY refusal leaves the letter open);
    // from then on a new failure is a new dead letter
    async function* marking(): AsyncIterable<TroupeEvent> {
      let marked = false;
      for await (const event of run.events) {
        if (!marked && event.type === "run.started") {
          await letters.markRedriven(id);
          marked = true;
        }
        yield event;
      }
    }
    return this.finish({ ...run, events: marking() });
  }

  /**
   * The thread's checkpoints, oldest first: the current branch (from the latest checkpoint back to
   * the first), or every branch replays left behind with `{ all: true }`. Throws THREAD_UNKNOWN for
   * a thread with none.
   */
  history(threadId: string, options: { all?: boolean } = {}): Promise<CheckpointInfo[]> {
    return threadHistory(this.graph, threadId, { all: options.all ?? false, where: this.store.kind });
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
    const id = snapshot.config.configurable.checkpoint_id;
    const result = runResultOf(snapshot.values as TeamStateValue, {
      threadId,
      runId: "",
      ...(typeof id === "string" ? { checkpointId: id } : {}),
    });
    const status = await this.status(threadId);
    if (status && ["paused", "interrupted", "cancelled", "compensating"].includes(status.state))
      return { ...result, status: status.state as RunResult["status"] };
    return result;
  }

  /** The compiled graph as a Mermaid diagram. */
  async mermaid(): Promise<string> {
    return (await this.graph.getGraphAsync()).drawMermaid();
  }

  /** Starts serving the team's agents on its bus (done on first run); resolves to their handles. */
  serveAgents(): Promise<AgentHandle[]> {
    if (this.options.serveAgents === false) return Promise.resolve([]);
    this.serving ??= Promise.all(
      [...this.options.agents.values()].map((agent) =>
        serveAgent(
          this.bus,
          agent,
          agentServingOptions({
            model: this.options.resolveModel(agent.model ?? this.spec.agents[agent.name]?.model ?? this.spec.model),
            resolveModel: this.options.resolveModel,
            store: this.store,
            resilience: this.resilience,
            breakers: () => this.breakers,
          }),
        ),
      ),
    );
    return this.serving;
  }

  /** Waits (at most `graceMs`) until no agent served here is busy. */
  private async agentsSettled(graceMs: number): Promise<void> {
    const handles = await (this.serving ?? Promise.resolve([]));
    const until = Date.now() + graceMs;
    while (handles.some((h) => h.state() === "busy") && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  }

  /** Stops serving agents, shuts the breakers and closes the store. */
  async close(): Promise<void> {
    const handles = await this.serving?.catch(() => []);
    await Promise.all((handles ?? []).map((h) => h.unsubscribe()));
    this.breakers.shutdown();
    await this.store.close();
  }

  private start(work: Work, threadId: string, options: Pick<RunOptions, "signal" | "wait">): Execution {
    const deps: ExecutorDeps = {
      name: this.name,
      spec: this.spec,
      graph: this.graph,
      bus: this.bus,
      store: this.store,
      runs: this.runs,
      active: this.active,
      resilience: this.resilience,
      deadLetters: this.deadLetters,
      approvals: this.approvals,
      undo: this.undo,
      now: this.now,
      serve: () => this.serveAgents(),
      settled: (graceMs) => this.agentsSettled(graceMs),
      baseDir: this.options.baseDir ?? process.cwd(),
      controlPollMs: this.options.controlPollMs ?? 250,
      lease: this.lease,
    };
    const waitMs = options.wait === true ? Infinity : options.wait === false ? undefined : options.wait;
    return execute(deps, work, threadId, { signal: options.signal, waitMs });
  }

  private async finish(run: Execution, throwOnFailure = true): Promise<RunResult> {
    for await (const _ of run.events);
    const result = await run.result;
    if (
      !throwOnFailure ||
      result.status === "completed" ||
      result.status === "paused" ||
      result.status === "interrupted"
    )
      return result;
    const error = result.error ?? {
      code: result.status === "cancelled" ? ("CANCELLED" as const) : ("INTERNAL" as const),
      message: `the run was ${result.status}`,
      retryable: false,
    };
    throw new TroupeError(error.code, error.message, { details: { ...error.details, result } });
  }

  private async *events(run: Execution, onBreak: RunOptions["onBreak"] = "cancel"): AsyncIterable<TroupeEvent> {
    run.result.catch(() => undefined);
    let ended = false;
    try {
      for await (const event of run.events) yield event;
      ended = true;
    } finally {
      // the caller stopped reading early: never leave a run going on unseen unless asked to
      if (!ended && onBreak === "cancel") {
        run.cancel();
        await run.result.catch(() => undefined);
      }
    }
  }

  /** Where a failed agent call is retried from: its own checkpoint, or the turn's start when the saga was undone. */
  private async redriveWork(letter: DeadLetter): Promise<Work> {
    const history = await this.history(letter.threadId);
    const state = await this.state(letter.threadId);
    const undone = Object.values(state?.compensations ?? {}).length > 0;
    const before = [...history].reverse().find((c) => c.next.includes(letter.subject));
    const start = [...history].reverse().find((c) => c.source === "input");
    if (undone || !before)
      return { kind: "redrive", from: (start ?? history[0]!).checkpointId, keySuffix: `:redrive-${letter.id}` };
    return { kind: "redrive", from: before.checkpointId, keySuffix: "" };
  }
}

function replayWork(options: ReplayOptions): Work {
  return {
    kind: "replay",
    ...(options.from ? { from: options.from } : {}),
    live: options.live ?? false,
    ...(options.liveTools ? { liveTools: true } : {}),
  };
}
