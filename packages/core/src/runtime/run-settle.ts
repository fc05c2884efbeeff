import type { StateSnapshot } from "@langchain/langgraph";
import { compensate } from "./compensator.js";
import type { RunnableTeamGraph } from "../graph/define-pattern.js";
import { TroupeError } from "../errors.js";
import type { EventBody } from "../protocol/events.js";
import { runResultOf, type RunResult } from "./run-result.js";
import { lifecycleState, type RunLifecycleActor } from "./run-lifecycle.js";
import type { ExecutorDeps } from "./run-executor.js";
import { pendingSaga } from "../records/saga-journal.js";
import { usageOf, type RunStatus, type TeamStateValue } from "../protocol/team-state.js";

/** How a run ended, as the executor saw it. */
export interface SettleContext {
  lifecycle: RunLifecycleActor | undefined;
  emit: (body: EventBody) => void;
  runId: string;
  threadId: string;
  paused: boolean;
  cancelled: boolean;
  replaying: boolean;
  /** Set when limits.runTimeoutMs ran out: the run fails with this error. */
  timedOut?: TroupeError;
}

/** Reads where the graph stopped, moves the lifecycle on, compensates when the run failed. */
export async function settle(deps: ExecutorDeps, ctx: SettleContext): Promise<RunResult> {
  const { lifecycle, emit } = ctx;
  const snapshot = await stateOf(deps.graph, ctx.threadId);
  if (!snapshot) return settleUncheckpointed(deps, ctx);
  const values = snapshot.values as TeamStateValue;
  const interrupted = snapshot.tasks.some((t) => (t.interrupts ?? []).length > 0);
  const compensatingAlready = lifecycle !== undefined && lifecycleState(lifecycle) === "compensating";
  let status: RunStatus;
  let compensated = false;
  if (ctx.paused) {
    lifecycle?.send({ type: "PAUSE" });
    emit({ type: "run.paused" });
    status = "paused";
  } else if (interrupted && !ctx.cancelled) {
    lifecycle?.send({ type: "INTERRUPT" });
    emit({ type: "run.interrupted" });
    status = "interrupted";
  } else if (ctx.cancelled || ctx.timedOut || compensatingAlready || values.status === "failed") {
    const outcome =
      ctx.cancelled || (compensatingAlready && lifecycle?.getSnapshot().context.outcome === "cancelled")
        ? "cancelled"
        : "failed";
    if (ctx.cancelled || ctx.timedOut) {
      // let calls that ignore the abort finish, so their completed steps are journaled and undone too
      await deps.settled(5000);
      if (ctx.cancelled) await deps.approvals.cancelPending(ctx.threadId, deps.now());
    }
    if (!ctx.replaying && (await pendingSaga(deps.store.docs, ctx.threadId, values)).length) {
      if (!compensatingAlready) lifecycle?.send({ type: "COMPENSATE", outcome });
      compensated = true;
      await compensate({
        graph: deps.graph,
        journal: deps.store.docs,
        undo: deps.undo,
        resilience: deps.resilience,
        interceptors: deps.interceptors,
        deadLetters: deps.deadLetters,
        emit,
        runId: ctx.runId,
        threadId: ctx.threadId,
      });
      lifecycle?.send({ type: "COMPENSATED" });
    } else {
      lifecycle?.send({ type: outcome === "cancelled" ? "CANCEL" : "FAIL" });
      if (compensatingAlready) lifecycle?.send({ type: "COMPENSATED" });
    }
    status = outcome;
  } else {
    lifecycle?.send({ type: "COMPLETE" });
    status = "completed";
  }
  // compensation writes to the checkpoints; otherwise the state read above is still the latest
  const after = compensated ? (await stateOf(deps.graph, ctx.threadId))! : snapshot;
  const id = after.config.configurable?.checkpoint_id;
  const result = {
    ...runResultOf(after.values as TeamStateValue, {
      threadId: ctx.threadId,
      runId: ctx.runId,
      ...(typeof id === "string" ? { checkpointId: id } : {}),
    }),
    status,
    ...(ctx.timedOut ? { error: ctx.timedOut.toInfo() } : {}),
  };
  if (status === "completed") emit({ type: "run.completed", output: result.output, usage: result.usage });
  else if (status === "cancelled") emit({ type: "run.cancelled" });
  else if (status === "failed") {
    emit({
      type: "run.failed",
      error: result.error ?? new TroupeError("INTERNAL", "the run stopped without an answer").toInfo(),
    });
  }
  return result;
}

/**
 * The run's process died after the run started but before the turn's first checkpoint was
 * written: the saga journal alone says what the turn did, and a cancel (or failure) undoes that.
 */
async function settleUncheckpointed(deps: ExecutorDeps, ctx: SettleContext): Promise<RunResult> {
  const userTurn = ctx.lifecycle?.getSnapshot().context.turn?.userTurn;
  const outcome = ctx.cancelled ? "cancelled" : "failed";
  const pending =
    userTurn === undefined
      ? []
      : await pendingSaga(deps.store.docs, ctx.threadId, { saga: [], compensations: {}, userTurn });
  if (pending.length && !ctx.replaying) {
    ctx.lifecycle?.send({ type: "COMPENSATE", outcome });
    await compensate({
      graph: deps.graph,
      journal: deps.store.docs,
      undo: deps.undo,
      resilience: deps.resilience,
      interceptors: deps.interceptors,
      deadLetters: deps.deadLetters,
      emit: ctx.emit,
      runId: ctx.runId,
      threadId: ctx.threadId,
      uncheckpointedTurn: userTurn,
    });
    ctx.lifecycle?.send({ type: "COMPENSATED" });
  } else {
    ctx.lifecycle?.send({ type: ctx.cancelled ? "CANCEL" : "FAIL" });
  }
  const error = new TroupeError(
    "RUN_NOT_RESUMABLE",
    `the run of thread "${ctx.threadId}" ended before its first checkpoint was written`,
  ).toInfo();
  if (ctx.cancelled) ctx.emit({ type: "run.cancelled" });
  else ctx.emit({ type: "run.failed", error });
  return {
    threadId: ctx.threadId,
    runId: ctx.runId,
    status: outcome,
    output: null,
    steps: [],
    usage: usageOf([]),
    ...(ctx.cancelled ? {} : { error }),
  };
}

/** The thread's latest checkpointed state, or undefined when it has no checkpoint yet. */
export async function stateOf(graph: RunnableTeamGraph, threadId: string): Promise<StateSnapshot | undefined> {
  const snapshot = await graph.getState({ configurable: { thread_id: threadId } });
  return snapshot.config.configurable?.checkpoint_id ? snapshot : undefined;
}
