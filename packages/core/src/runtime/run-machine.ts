import { assign, fromPromise, setup, type Actor, type SnapshotFrom } from "xstate";
import { toTroupeError, type ErrorInfo } from "../errors.js";
import type { RunState } from "../protocol/team-state.js";

/** The user turn a run was started with: what a resume starts again when the run died before its first checkpoint. */
export interface TurnInput {
  input: string;
  userTurn: number;
}

/** Why a running run is being stopped: a cancel (compensate, end cancelled) or limits.runTimeoutMs (end failed). */
export type RunStop = "cancelled" | "timed_out";

export interface RunMachineContext {
  runId: string;
  /** What compensating ends in. */
  outcome: "failed" | "cancelled";
  /** The turn the run was started with (null for resumes and replays). */
  turn: TurnInput | null;
  /** Set while a cancel or timeout stops the run; cleared when another process picks the run up. */
  stop: RunStop | null;
  /** The error the run ends with when the machine, not the graph, failed it (RUN_TIMEOUT). */
  error: ErrorInfo | null;
  /** Set when compensation itself threw: the run stays compensating (a resume tries again). */
  fault: ErrorInfo | null;
}

/** What compensation is told: how the run is ending and whether in-flight calls were stopped under it. */
export interface CompensationInput {
  runId: string;
  outcome: "failed" | "cancelled";
  stop: RunStop | null;
  turn: TurnInput | null;
}

export type RunMachineEvent =
  /** A new turn (or redrive, or replay) starts on the thread. */
  | { type: "START"; runId: string; turn?: TurnInput | null }
  /** A process picks up a paused, interrupted, crashed or half-compensated run. */
  | { type: "RESUME"; runId: string }
  /** Cancels a run that no process runs (paused, interrupted, or left by a dead process). */
  | { type: "CANCEL"; runId: string }
  /** Someone asked the running run to pause at its next step boundary. */
  | { type: "PAUSE_REQUESTED" }
  /** Someone asked the running run to cancel: in-flight calls are aborted. */
  | { type: "CANCEL_REQUESTED" }
  /** limits.runTimeoutMs ran out: in-flight calls are aborted and the run fails with `error`. */
  | { type: "TIMED_OUT"; error: ErrorInfo }
  /** The graph stopped at a step boundary because a pause was requested. */
  | { type: "GRAPH_DRAINED" }
  /**
   * The graph stream ended (or was stopped): the graph state's `status`, whether a node waits for an
   * answer, and whether the turn reached its first checkpoint at all.
   */
  | { type: "GRAPH_ENDED"; status: RunState; interrupted: boolean; checkpointed: boolean };

/** States in which no process works on the run: the executor settles the run once the machine reaches one. */
export const SETTLED_STATES: ReadonlySet<RunState> = new Set([
  "paused",
  "interrupted",
  "completed",
  "failed",
  "cancelled",
]);

/**
 * A run's life, and the rules of it: created -> running <-> paused / interrupted -> compensating ->
 * completed | failed | cancelled. The executor sends what happened (a pause or cancel request, a
 * timeout, how the graph ended); the guards decide where the run goes, and compensation runs as the
 * invoked `compensate` actor. The executor provides `requestDrain`, `abortRun` and `compensate`.
 *
 * @example
 * const actor = createActor(runLifecycleMachine.provide({ actors: { compensate: fromPromise(undo) } }));
 * actor.start();
 * actor.send({ type: "START", runId });
 * actor.send({ type: "GRAPH_ENDED", status: "failed", interrupted: false, checkpointed: true });
 * // -> compensating, then failed once `compensate` resolves
 */
export const runLifecycleMachine = setup({
  types: {
    context: {} as RunMachineContext,
    events: {} as RunMachineEvent,
  },
  actions: {
    /** Asks the graph to stop at its next step boundary (provided by the executor). */
    requestDrain: () => undefined,
    /** Aborts the run's in-flight calls, with the TIMED_OUT error or CANCELLED (provided by the executor). */
    abortRun: (_, _params: { reason: ErrorInfo | null }) => undefined,
    setRun: assign({ runId: ({ event }) => ("runId" in event ? event.runId : "") }),
    // a process killed before the turn's first checkpoint leaves only this to resume it from
    setTurn: assign({ turn: ({ event }) => (event.type === "START" ? (event.turn ?? null) : null) }),
    pickUp: assign({ stop: null, error: null, fault: null }),
    stopCancelled: assign({ stop: "cancelled" as const, outcome: "cancelled" as const }),
    stopTimedOut: assign({
      stop: "timed_out" as const,
      error: ({ event }) => (event.type === "TIMED_OUT" ? event.error : null),
    }),
    failOrCancel: assign({ outcome: ({ context }) => (context.stop === "cancelled" ? "cancelled" : "failed") }),
  },
  actors: {
    /** Undoes the run's completed saga steps (provided by the executor; here it undoes nothing). */
    compensate: fromPromise<unknown, CompensationInput>(async () => undefined),
  },
  guards: {
    notStopping: ({ context }) => context.stop === null,
    uncheckpointed: ({ event }) => event.type === "GRAPH_ENDED" && !event.checkpointed,
    // an interrupt waits for a person, unless the run is being cancelled
    waitsForAnswer: ({ context, event }) =>
      event.type === "GRAPH_ENDED" && event.interrupted && context.stop !== "cancelled",
    mustUndo: ({ context, event }) =>
      context.stop !== null || (event.type === "GRAPH_ENDED" && event.status === "failed"),
    endsCancelled: ({ context }) => context.outcome === "cancelled",
  },
}).createMachine({
  id: "run",
  initial: "created",
  context: { runId: "", outcome: "failed", turn: null, stop: null, error: null, fault: null },
  states: {
    created: {
      on: {
        START: { target: "running", actions: ["setRun", "setTurn", "pickUp"] },
        CANCEL: { target: "compensating", actions: ["setRun", "pickUp", "stopCancelled"] },
      },
    },
    running: {
      on: {
        PAUSE_REQUESTED: { guard: "notStopping", actions: "requestDrain" },
        CANCEL_REQUESTED: {
          actions: ["stopCancelled", { type: "abortRun", params: { reason: null } }],
        },
        TIMED_OUT: {
          guard: "notStopping",
          actions: ["stopTimedOut", { type: "abortRun", params: ({ event }) => ({ reason: event.error }) }],
        },
        GRAPH_DRAINED: "paused",
        GRAPH_ENDED: [
          { guard: "uncheckpointed", target: "compensating", actions: "failOrCancel" },
          { guard: "waitsForAnswer", target: "interrupted" },
          { guard: "mustUndo", target: "compensating", actions: "failOrCancel" },
          { target: "completed" },
        ],
        // a crashed process left the run "running": resuming picks it up, cancelling undoes it
        RESUME: { target: "running", actions: ["setRun", "pickUp"] },
        CANCEL: { target: "compensating", actions: ["setRun", "pickUp", "stopCancelled"] },
      },
    },
    paused: {
      on: {
        RESUME: { target: "running", actions: ["setRun", "pickUp"] },
        CANCEL: { target: "compensating", actions: ["setRun", "pickUp", "stopCancelled"] },
      },
    },
    interrupted: {
      on: {
        RESUME: { target: "running", actions: ["setRun", "pickUp"] },
        CANCEL: { target: "compensating", actions: ["setRun", "pickUp", "stopCancelled"] },
      },
    },
    compensating: {
      invoke: {
        src: "compensate",
        input: ({ context }) => ({
          runId: context.runId,
          outcome: context.outcome,
          stop: context.stop,
          turn: context.turn,
        }),
        onDone: [{ guard: "endsCancelled", target: "cancelled" }, { target: "failed" }],
        onError: {
          actions: assign({ fault: ({ event }) => toTroupeError(event.error).toInfo() }),
        },
      },
      on: {
        // a restored run left compensating: compensation starts again where the saga log says
        RESUME: { target: "compensating", reenter: true, actions: ["setRun", "pickUp"] },
        CANCEL: { target: "compensating", reenter: true, actions: ["setRun", "pickUp", "stopCancelled"] },
      },
    },
    completed: { type: "final" },
    failed: { type: "final" },
    cancelled: { type: "final" },
  },
});

export type RunMachine = typeof runLifecycleMachine;
export type RunMachineActor = Actor<RunMachine>;
export type RunMachineSnapshot = SnapshotFrom<RunMachine>;

/** The run state a machine snapshot stands in. */
export function runStateOf(snapshot: RunMachineSnapshot): RunState {
  return snapshot.value as RunState;
}
