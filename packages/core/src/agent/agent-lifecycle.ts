import { assign, createActor, setup, type Actor } from "xstate";

export type AgentLifecycleState = "starting" | "idle" | "busy" | "degraded" | "draining" | "stopped";

type AgentLifecycleEvent =
  | { type: "READY" }
  | { type: "REQUEST" }
  | { type: "DONE" }
  | { type: "DEGRADE" }
  | { type: "RECOVER" }
  | { type: "DRAIN" }
  | { type: "STOPPED" };

/**
 * An agent actor's life: starting -> idle <-> busy -> degraded (a breaker is open) -> draining ->
 * stopped. `inFlight` counts requests being served; draining ends when it reaches zero.
 */
export const agentLifecycleMachine = setup({
  types: { context: {} as { inFlight: number; degraded: boolean }, events: {} as AgentLifecycleEvent },
  guards: {
    lastOneDone: ({ context }) => context.inFlight <= 1,
    isDegraded: ({ context }) => context.degraded,
    nothingInFlight: ({ context }) => context.inFlight === 0,
  },
  actions: {
    begin: assign({ inFlight: ({ context }) => context.inFlight + 1 }),
    end: assign({ inFlight: ({ context }) => Math.max(0, context.inFlight - 1) }),
    markDegraded: assign({ degraded: true }),
    markHealthy: assign({ degraded: false }),
  },
}).createMachine({
  id: "agent",
  initial: "starting",
  context: { inFlight: 0, degraded: false },
  states: {
    starting: { on: { READY: "idle", DRAIN: "draining" } },
    idle: {
      on: {
        REQUEST: { target: "busy", actions: "begin" },
        DEGRADE: { target: "degraded", actions: "markDegraded" },
        DRAIN: "draining",
      },
    },
    busy: {
      on: {
        REQUEST: { actions: "begin" },
        DONE: [{ guard: "lastOneDone", target: "idle", actions: "end" }, { actions: "end" }],
        DEGRADE: { target: "degraded", actions: "markDegraded" },
        DRAIN: "draining",
      },
    },
    degraded: {
      on: {
        REQUEST: { actions: "begin" },
        DONE: { actions: "end" },
        RECOVER: [
          { guard: ({ context }) => context.inFlight > 0, target: "busy", actions: "markHealthy" },
          { target: "idle", actions: "markHealthy" },
        ],
        DRAIN: "draining",
      },
    },
    draining: {
      always: { guard: "nothingInFlight", target: "stopped" },
      on: { DONE: { actions: "end" }, STOPPED: "stopped" },
    },
    stopped: { type: "final" },
  },
});

export type AgentLifecycleActor = Actor<typeof agentLifecycleMachine>;

/** Starts an agent lifecycle actor; `onState` hears every state it enters. */
export function startAgentLifecycle(onState: (state: AgentLifecycleState) => void): AgentLifecycleActor {
  const actor = createActor(agentLifecycleMachine);
  let last: string | undefined;
  actor.subscribe((snapshot) => {
    const state = String(snapshot.value) as AgentLifecycleState;
    if (state !== last) {
      last = state;
      onState(state);
    }
  });
  actor.start();
  return actor;
}
