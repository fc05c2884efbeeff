import type { StateSnapshot } from "@langchain/langgraph";
import { compensate } from "./compensator.js";
import type { RunnableTeamGraph } from "../graph/define-pattern.js";
import { TroupeError } from "../errors.js";
import type { EventBody } from "../protocol/events.js";
import { runResultOf, type RunResult } from "./run-result.js";
import type { CompensationInput, RunMachineContext } from "./run-machine.js";
import type { ExecutorDeps } from "./run-work.js";
import { pendingSaga } from "../records/saga-journal.js";
import { usageOf, type RunState, type TeamStateValue } from "../protocol/team-state.js";

/** The run being settled, as the executor knows it. */
export interface SettleContext {
  emit: (body: EventBody) => void;
  runId: string;
  threadId: string;
  replaying: boolean;
}

/**
 * The run machine's `compensate` actor: once in-flight calls stopped by a cancel or timeout have
 * finished (so their completed steps are journaled and undone too), undoes the turn's pending saga
 * steps in reverse order. A turn that never reached its first checkpoint is undone from the journal.
 */
export async function undoRun(deps: ExecutorDeps, ctx: SettleContext, input: CompensationInput): Promise<void> {
  if (input.stop) await deps.settled(5000);
  if (input.stop === "cancelled") await deps.approvals.cancelPending(ctx.threadId, deps.now());
  if (ctx.replaying) return;
  const snapshot = await stateOf(deps.graph, ctx.threadId);
  const userTurn = input.turn?.userTurn;
  const bare = snapshot === undefined;
  if (bare && userTurn === undefined) return;
  const state = bare ? { saga: [], compensations: {}, userTurn: userTurn! } : (snapshot.values as TeamStateValue);
  if (!(await pendingSaga(deps.store.docs, ctx.threadId, state)).length) return;
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
    ...(bare ? { uncheckpointedTurn: userTurn } : {}),
  });
}

/**
 * The result of a run the machine settled in `state`, read from the thread's latest checkpoint; emits
 * the run's terminal event.
 */
export async function settledResult(
  deps: ExecutorDeps,
  ctx: SettleContext,
  state: RunState,
  machine: Pick<RunMachineContext, "error">,
): Promise<RunResult> {
  const snapshot = await stateOf(deps.graph, ctx.threadId);
  if (!snapshot) return uncheckpointedResult(ctx, state);
  const id = snapshot.config.configurable?.checkpoint_id;
  const result: RunResult = {
    ...runResultOf(snapshot.values as TeamStateValue, {
      threadId: ctx.threadId,
      runId: ctx.runId,
      ...(typeof id === "string" ? { checkpointId: id } : {}),
    }),
    status: state,
    ...(machine.error ? { error: machine.error } : {}),
  };
  if (state === "paused") ctx.emit({ type: "run.paused" });
  else if (state === "interrupted") ctx.emit({ type: "run.interrupted" });
  else if (state === "completed") ctx.emit({ type: "run.completed", output: result.output, usage: result.usage });
  else if (state === "cancelled") ctx.emit({ type: "run.cancelled" });
  else {
    ctx.emit({
      type: "run.failed",
      error: result.error ?? new TroupeError("INTERNAL", "the run stopped without an answer").toInfo(),
    });
  }
  return result;
}

/**
 * The run's process died after the run started but before the turn's first checkpoint was
 * written: nothing but the saga journal is left of the turn, so it ends failed (or cancelled).
 */
function uncheckpointedResult(ctx: SettleContext, state: RunState): RunResult {
  const cancelled = state === "cancelled";
  const error = new TroupeError(
    "RUN_NOT_RESUMABLE",
    `the run of thread "${ctx.threadId}" ended before its first checkpoint was written`,
  ).toInfo();
  if (cancelled) ctx.emit({ type: "run.cancelled" });
  else ctx.emit({ type: "run.failed", error });
  return {
    threadId: ctx.threadId,
    runId: ctx.runId,
    status: cancelled ? "cancelled" : "failed",
    output: null,
    steps: [],
    nodes: [],
    usage: usageOf([]),
    ...(cancelled ? {} : { error }),
  };
}

/** The thread's latest checkpointed state, or undefined when it has no checkpoint yet. */
export async function stateOf(graph: RunnableTeamGraph, threadId: string): Promise<StateSnapshot | undefined> {
  const snapshot = await graph.getState({ configurable: { thread_id: threadId } });
  return snapshot.config.configurable?.checkpoint_id ? snapshot : undefined;
}
