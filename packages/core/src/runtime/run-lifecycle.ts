import { assign, createActor, setup, type Actor, type SnapshotFrom } from "xstate";
import type { DocStore } from "../stores/record-store.js";

export type RunLifecycleState =
  "created" | "running" | "paused" | "interrupted" | "compensating" | "completed" | "failed" | "cancelled";

/** The user turn a run was started with: what a resume starts again when the run died before its first checkpoint. */
export interface TurnInput {
  input: string;
  userTurn: number;
}

export type RunLifecycleEvent =
  | { type: "START"; runId: string; turn?: TurnInput }
  | { type: "PAUSE" }
  | { type: "INTERRUPT" }
  | { type: "RESUME"; runId: string }
  | { type: "COMPLETE" }
  | { type: "FAIL" }
  | { type: "COMPENSATE"; outcome: "failed" | "cancelled" }
  | { type: "COMPENSATED" }
  | { type: "CANCEL" };

/**
 * A run's life: created -> running <-> paused / interrupted -> compensating -> completed | failed |
 * cancelled. The persisted snapshot lives beside the checkpoints and is restored on resume.
 */
export const runLifecycleMachine = setup({
  // turn is optional: snapshots persisted before it existed have none
  types: {
    context: {} as { runId: string; outcome: "failed" | "cancelled"; turn?: TurnInput | null },
    events: {} as RunLifecycleEvent,
  },
  actions: {
    setRun: assign({ runId: ({ event }) => ("runId" in event ? event.runId : "") }),
    // a process killed before the turn's first checkpoint leaves only this to resume it from
    setTurn: assign({ turn: ({ event }) => (event.type === "START" ? (event.turn ?? null) : null) }),
    setOutcome: assign({ outcome: ({ event }) => (event.type === "COMPENSATE" ? event.outcome : "failed") }),
  },
}).createMachine({
  id: "run",
  initial: "created",
  context: { runId: "", outcome: "failed", turn: null },
  states: {
    created: { on: { START: { target: "running", actions: ["setRun", "setTurn"] }, CANCEL: "cancelled" } },
    running: {
      on: {
        PAUSE: "paused",
        INTERRUPT: "interrupted",
        COMPLETE: "completed",
        FAIL: "failed",
        COMPENSATE: { target: "compensating", actions: "setOutcome" },
        CANCEL: "cancelled",
        // a crashed process left the run "running": resuming picks it up
        RESUME: { target: "running", actions: "setRun" },
      },
    },
    paused: {
      on: {
        RESUME: { target: "running", actions: "setRun" },
        CANCEL: "cancelled",
        COMPENSATE: { target: "compensating", actions: "setOutcome" },
      },
    },
    interrupted: {
      on: {
        RESUME: { target: "running", actions: "setRun" },
        PAUSE: "paused",
        CANCEL: "cancelled",
        COMPENSATE: { target: "compensating", actions: "setOutcome" },
      },
    },
    compensating: {
      on: {
        COMPENSATED: [
          { guard: ({ context }) => context.outcome === "cancelled", target: "cancelled" },
          { target: "failed" },
        ],
        RESUME: { target: "compensating", actions: "setRun" },
      },
    },
    completed: { type: "final" },
    failed: { type: "final" },
    cancelled: { type: "final" },
  },
});

export type RunLifecycleActor = Actor<typeof runLifecycleMachine>;
type RunLifecycleSnapshot = SnapshotFrom<typeof runLifecycleMachine>;

const KIND = "run_lifecycle";

/** Where a thread's latest run stands, as `troupe status` shows it. */
export interface RunStatusInfo {
  threadId: string;
  runId: string;
  state: RunLifecycleState;
  updatedAt: string;
}

/**
 * Starts (or restores from the store) the lifecycle actor of a thread's run; every transition is
 * persisted so another process sees it and a restart restores it.
 */
export async function openRunLifecycle(docs: DocStore, threadId: string, fresh: boolean): Promise<RunLifecycleActor> {
  const stored = fresh
    ? undefined
    : ((await docs.get(KIND, threadId))?.body as { snapshot: RunLifecycleSnapshot } | undefined);
  const actor = createActor(runLifecycleMachine, stored ? { snapshot: stored.snapshot } : {});
  actor.subscribe((snapshot) => {
    void docs.put(KIND, threadId, threadId, {
      snapshot: actor.getPersistedSnapshot(),
      state: snapshot.value,
      runId: snapshot.context.runId,
    });
  });
  actor.start();
  return actor;
}

/**
 * The user turn the thread's last run was started with, from its persisted lifecycle: a turn that
 * died before its first checkpoint is known only here, and the next turn must not reuse its number.
 */
export async function lastStartedTurn(docs: DocStore, threadId: string): Promise<number> {
  const body = (await docs.get(KIND, threadId))?.body as
    { snapshot?: { context?: { turn?: TurnInput | null } } } | undefined;
  return body?.snapshot?.context?.turn?.userTurn ?? 0;
}

export async function readRunStatus(docs: DocStore, threadId: string): Promise<RunStatusInfo | undefined> {
  const doc = await docs.get(KIND, threadId);
  if (!doc) return undefined;
  const body = doc.body as { state: RunLifecycleState; runId: string };
  return { threadId, runId: body.runId, state: body.state, updatedAt: doc.updatedAt };
}

export function lifecycleState(actor: RunLifecycleActor): RunLifecycleState {
  return actor.getSnapshot().value as RunLifecycleState;
}

/** Cross-process control requests (pause, cancel) a running process picks up at its next check. */
export async function requestControl(docs: DocStore, threadId: string, action: "pause" | "cancel"): Promise<void> {
  await docs.put("run_control", threadId, threadId, { action });
}

export async function takeControl(docs: DocStore, threadId: string): Promise<"pause" | "cancel" | undefined> {
  const doc = await docs.get("run_control", threadId);
  if (!doc) return undefined;
  await docs.delete("run_control", threadId);
  return (doc.body as { action: "pause" | "cancel" }).action;
}
