import type { AgentHandle } from "../agent/agent-host.js";
import { stepUndoer } from "./compensator.js";
import type { RunContext } from "../graph/agent-node.js";
import { Approvals, type Approval } from "../records/approvals.js";
import type { Bus } from "../bus/bus.js";
import { BreakerRegistry } from "../resilience/circuit-breakers.js";
import { DeadLetters } from "../records/dead-letters.js";
import type { Agent } from "../authoring/define-agent.js";
import type { AnyPattern } from "../graph/define-pattern.js";
import type { StepDefinition } from "../authoring/define-step.js";
import type { Tool } from "../authoring/define-tool.js";
import { InProcessBus } from "../bus/in-process-bus.js";
import type { ModelClient } from "../protocol/model-client.js";
import type { Interceptor } from "../resilience/interceptor.js";
import { ResilienceSchema, type Resilience } from "../protocol/resilience-policy.js";
import { breakerPolicy } from "../resilience/policy-lookup.js";
import type { TeamStateValue } from "../protocol/team-state.js";
import type { RunResult } from "./run-result.js";
import type { ActiveRun } from "./run-work.js";
import { RunService, type ReplayOptions, type RunOptions } from "./run-service.js";
import type { RunStream } from "./run-stream.js";
import { ThreadService } from "./thread-service.js";
import { compileTeamGraph } from "./compile-team-graph.js";
import { ServedAgents } from "./served-agents.js";
import { Oversight, type DecideOptions } from "./oversight.js";
import { leaseSettings, type LeaseSettings } from "../stores/thread-lease.js";
import type { ThreadStatus } from "./thread-status.js";
import type { TeamSpec } from "../spec/team-spec.js";
import type { TeamStore } from "../stores/team-store.js";
import type { CheckpointInfo } from "./thread-history.js";
import { defaultLogger, type Logger } from "../logging/logger.js";

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
  /**
   * Your interceptors, around each attempt of every agent, model, tool and compensation call of
   * the team, inside its retry, breaker and timeout layers (see docs/resilience.md, "The call pipeline").
   */
  interceptors?: readonly Interceptor[];
  /**
   * Where the team logs (a pino logger; default `defaultLogger()`, silent unless `TROUPE_LOG_LEVEL`
   * or `setDefaultLogger` says otherwise). Each run logs through a child carrying runId, threadId
   * and team; each agent served here through one carrying agent.
   */
  logger?: Logger;
}

/**
 * A team compiled to a LangGraph state graph: run it, stream its events, pause, resume or cancel
 * it, list and replay its checkpoints, answer its approvals and redrive its dead letters.
 * Made by the pattern builders (`supervisor({...})`) or `loadTeam(path)`. A facade over its runs
 * (RunService), its threads (ThreadService) and the oversight of approvals and dead letters.
 *
 * @example
 * const result = await team.run("Brief me on saga compensation", { threadId: "t-42" });
 * const run = team.stream("...", { threadId: "t-43" });
 * for await (const ev of run) console.log(ev.type);
 * console.log((await run.result).status);
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
  private readonly runs: RunService;
  private readonly threads: ThreadService;
  private readonly oversight: Oversight;
  private readonly agents: ServedAgents;

  constructor(options: TeamOptions) {
    this.spec = options.spec;
    this.name = options.spec.name;
    this.store = options.store;
    this.bus = options.bus ?? new InProcessBus();
    const now = options.clock ?? Date.now;
    this.resilience = ResilienceSchema.parse(options.spec.resilience ?? {});
    const policies = this.resilience;
    this.breakers = new BreakerRegistry(policies.breaker, (scope, name) => breakerPolicy(policies, scope, name));
    this.deadLetters = new DeadLetters(options.store.docs);
    const logger = options.logger ?? defaultLogger();
    this.approvals = new Approvals(options.store.docs);
    this.agents = new ServedAgents({
      enabled: options.serveAgents !== false,
      agents: options.agents,
      bus: this.bus,
      spec: this.spec,
      store: this.store,
      resilience: this.resilience,
      breakers: this.breakers,
      resolveModel: options.resolveModel,
      interceptors: options.interceptors ?? [],
      logger,
    });
    const undo = stepUndoer(this.bus, options.tools, options.store.records);
    const runs = new Map<string, RunContext>();
    const graph = compileTeamGraph(options, {
      bus: this.bus,
      records: options.store.records,
      limits: options.spec.limits,
      runs,
      resilience: this.resilience,
      breakers: this.breakers,
      deadLetters: this.deadLetters,
      approvals: this.approvals,
      now,
      interceptors: options.interceptors ?? [],
    });
    const baseDir = options.baseDir ?? process.cwd();
    this.threads = new ThreadService({ graph, store: this.store, spec: this.spec, baseDir });
    this.runs = new RunService(
      {
        name: this.name,
        spec: this.spec,
        graph,
        bus: this.bus,
        store: this.store,
        runs,
        active: new Map<string, ActiveRun>(),
        resilience: this.resilience,
        interceptors: options.interceptors ?? [],
        deadLetters: this.deadLetters,
        approvals: this.approvals,
        undo,
        now,
        serve: () => this.agents.serve(),
        settled: (graceMs) => this.agents.settled(graceMs),
        baseDir,
        controlPollMs: options.controlPollMs ?? 250,
        lease: leaseSettings(options.lease),
        logger,
      },
      this.threads,
    );
    this.oversight = new Oversight({
      runs: this.runs,
      threads: this.threads,
      graph,
      bus: this.bus,
      approvals: this.approvals,
      deadLetters: this.deadLetters,
      undo,
      now,
      serve: () => this.agents.serve(),
    });
  }

  /** Runs one user message to the end. Rejects with the run's TroupeError (partial result in `details.result`) when it fails or is cancelled; resolves with status "paused" or "interrupted" when it stops to wait. */
  run(input: string, options: RunOptions = {}): Promise<RunResult> {
    return this.runs.run(input, options);
  }

  /** Runs one user message, yielding each event as it happens; `.result` is the run's result once it settles. */
  stream(input: string, options: RunOptions = {}): RunStream {
    return this.runs.stream(input, options);
  }

  /** Re-runs a thread from a checkpoint. Without `live`, agents answer from the records: no model calls. */
  replay(threadId: string, options: ReplayOptions = {}): Promise<RunResult> {
    return this.runs.replay(threadId, options);
  }

  /** Like replay, yielding events. With `fork`, the events carry the new thread's id. */
  replayStream(threadId: string, options: ReplayOptions = {}): RunStream {
    return this.runs.replayStream(threadId, options);
  }

  /** Continues a paused, interrupted (pass the answer), crashed or half-compensated run from its checkpoint. */
  resume(threadId: string, answer?: unknown, options: Pick<RunOptions, "signal" | "wait"> = {}): Promise<RunResult> {
    return this.runs.resume(threadId, answer, options);
  }

  /** Like resume, yielding events. */
  resumeStream(threadId: string, answer?: unknown, options: Omit<RunOptions, "threadId"> = {}): RunStream {
    return this.runs.resumeStream(threadId, answer, options);
  }

  /** Asks a run to stop at its next step boundary (here, or in whichever process runs it). */
  pause(threadId: string): Promise<void> {
    return this.runs.pause(threadId);
  }

  /**
   * Stops this process's run of the thread at once, without pausing, cancelling or compensating:
   * the lease is let go and the run stays resumable (`troupe resume`), as after a crash.
   */
  abandon(threadId: string): Promise<void> {
    return this.runs.abandon(threadId);
  }

  /**
   * Cancels a run: in-flight model and tool calls are aborted and completed saga steps are
   * compensated. A paused or interrupted run, or one whose owner stopped heartbeating, is
   * cancelled here and now: its journaled saga steps are compensated by this process.
   */
  cancel(threadId: string): Promise<RunResult | undefined> {
    return this.runs.cancel(threadId);
  }

  /**
   * Where the thread's latest run stands (lifecycle state), and who runs it. A run whose owner
   * stopped heartbeating is reported as "interrupted", with `ownerLost` saying who and when.
   */
  status(threadId: string): Promise<ThreadStatus | undefined> {
    return this.threads.status(threadId);
  }

  /**
   * Decides one pending approval (by `approvalId`, or the thread's only one) and resumes exactly
   * the call that asked for it.
   */
  decide(threadId: string, decision: DecideOptions, options: Pick<RunOptions, "wait"> = {}): Promise<RunResult> {
    return this.oversight.decide(threadId, decision, options);
  }

  /** Like decide, yielding the resumed run's events. */
  decideStream(threadId: string, decision: DecideOptions, options: Omit<RunOptions, "threadId"> = {}): RunStream {
    return this.oversight.decideStream(threadId, decision, options);
  }

  /** Moves approvals whose deadline passed to their next approver; returns those that moved. */
  escalateOverdue(): Promise<Array<{ approval: Approval; from: string }>> {
    return this.oversight.escalateOverdue();
  }

  /**
   * Retries one dead letter: a compensation is tried again; a failed agent call or tool node re-runs
   * from its checkpoint. Takes the thread's lease like a run (`wait` as for run); the letter is
   * marked redriven once the redriven run holds the thread.
   */
  redrive(id: string, options: Pick<RunOptions, "wait"> = {}): Promise<RunResult | { compensated: true }> {
    return this.oversight.redrive(id, options);
  }

  /**
   * The thread's checkpoints, oldest first: the current branch (from the latest checkpoint back to
   * the first), or every branch replays left behind with `{ all: true }`. Throws THREAD_UNKNOWN for
   * a thread with none.
   */
  history(threadId: string, options: { all?: boolean } = {}): Promise<CheckpointInfo[]> {
    return this.threads.history(threadId, options);
  }

  /** The latest state of a thread (undefined for an unknown thread). */
  state(threadId: string): Promise<TeamStateValue | undefined> {
    return this.threads.state(threadId);
  }

  /** The result of the thread's latest user turn as it stands now (undefined for an unknown thread). */
  result(threadId: string): Promise<RunResult | undefined> {
    return this.threads.result(threadId);
  }

  /** The compiled graph as a Mermaid diagram. */
  mermaid(): Promise<string> {
    return this.threads.mermaid();
  }

  /** Starts serving the team's agents on its bus (done on first run); resolves to their handles. */
  serveAgents(): Promise<AgentHandle[]> {
    return this.agents.serve();
  }

  /** Stops serving agents, shuts the breakers and closes the store. */
  async close(): Promise<void> {
    await this.agents.close();
    this.breakers.shutdown();
    await this.store.close();
  }
}
