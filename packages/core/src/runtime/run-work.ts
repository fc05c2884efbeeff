import type { RunContext, ApprovalDecision } from "../graph/agent-node.js";
import type { Bus } from "../bus/bus.js";
import type { UndoStep } from "./compensator.js";
import type { Approvals } from "../records/approvals.js";
import type { DeadLetters } from "../records/dead-letters.js";
import type { RunnableTeamGraph } from "../graph/define-pattern.js";
import type { TroupeEvent } from "../protocol/events.js";
import type { Interceptor } from "../resilience/interceptor.js";
import type { Resilience } from "../protocol/resilience-policy.js";
import type { RunResult } from "./run-result.js";
import type { LeaseSettings } from "../stores/thread-lease.js";
import type { TeamSpec } from "../spec/team-spec.js";
import type { TeamStore } from "../stores/team-store.js";
import type { Logger } from "../logging/logger.js";

export interface ExecutorDeps {
  name: string;
  spec: TeamSpec;
  graph: RunnableTeamGraph;
  bus: Bus;
  store: TeamStore;
  runs: Map<string, RunContext>;
  /** Live runs of this process by thread, so pause and cancel reach them directly. */
  active: Map<string, ActiveRun>;
  resilience: Resilience;
  /** Your interceptors (TeamOptions.interceptors); the compensations of a failed run go through them. */
  interceptors?: readonly Interceptor[];
  deadLetters: DeadLetters;
  approvals: Approvals;
  /** Undoes one saga step (stepUndoer). */
  undo: UndoStep;
  now: () => number;
  serve(): Promise<unknown>;
  /** Resolves once this process's agents have finished in-flight requests (bounded wait). */
  settled(graceMs: number): Promise<void>;
  baseDir: string;
  /** How often a running process looks for pause/cancel requests from other processes, ms. */
  controlPollMs: number;
  /** Thread lease timing: one active run per thread. */
  lease: LeaseSettings;
  /** The team's logger; each run logs through a child carrying runId, threadId and team. */
  logger: Logger;
}

export interface ExecuteOptions {
  signal?: AbortSignal | undefined;
  /** Wait this long (ms, Infinity for no limit) for a busy thread instead of failing with THREAD_BUSY. */
  waitMs?: number | undefined;
}

/** A run going on in this process: pause and cancel reach its machine directly. */
export interface ActiveRun {
  runId: string;
  pause(): void;
  cancel(): void;
}

export type Work =
  | { kind: "run"; input: string }
  | { kind: "replay"; from?: string; live: boolean; liveTools?: boolean; recordsThreadId?: string }
  | { kind: "resume"; answer?: unknown }
  /** Decides one pending approval (by id, or the thread's only one) and resumes exactly the call that asked. */
  | { kind: "approve"; approvalId?: string; decision: ApprovalDecision }
  | { kind: "redrive"; from: string; keySuffix: string }
  /** Cancels a run that no process is running (paused or interrupted). */
  | { kind: "cancel" };

/** A started piece of work: its events, its result, and a way to cancel it. */
export interface Execution {
  events: AsyncIterable<TroupeEvent>;
  result: Promise<RunResult>;
  /** Aborts in-flight calls and compensates, as `team.cancel` does. */
  cancel(): void;
}
