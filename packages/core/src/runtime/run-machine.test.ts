import { describe, expect, it } from "vitest";
import { createActor, fromPromise, waitFor } from "xstate";
import { TroupeError } from "../errors.js";
import { memoryStore } from "../stores/memory-store.js";
import { openRunLifecycle, readRunStatus, lastStartedTurn } from "./run-lifecycle.js";
import { runLifecycleMachine, runStateOf, SETTLED_STATES, type CompensationInput } from "./run-machine.js";

/** A machine whose effects are recorded: drains, aborts and compensations. */
function harness(undo: (input: CompensationInput) => Promise<unknown> = async () => undefined) {
  const log: string[] = [];
  const compensations: CompensationInput[] = [];
  const machine = runLifecycleMachine.provide({
    actions: {
      requestDrain: () => log.push("drain"),
      abortRun: (_, { reason }) => log.push(`abort ${reason?.code ?? "CANCELLED"}`),
    },
    actors: {
      compensate: fromPromise(async ({ input }: { input: CompensationInput }) => {
        compensations.push(input);
        return undo(input);
      }),
    },
  });
  const actor = createActor(machine).start();
  actor.send({ type: "START", runId: "r1", turn: { input: "hi", userTurn: 1 } });
  const settled = () => waitFor(actor, (s) => SETTLED_STATES.has(runStateOf(s)) || s.context.fault !== null);
  return { actor, log, compensations, settled };
}

const ended = (
  status: "completed" | "failed" | "running",
  more: { interrupted?: boolean; checkpointed?: boolean } = {},
) =>
  ({
    type: "GRAPH_ENDED",
    status,
    interrupted: more.interrupted ?? false,
    checkpointed: more.checkpointed ?? true,
  }) as const;

describe("run machine", () => {
  it("a graph that ends completed completes the run, without compensating", async () => {
    const { actor, compensations, settled } = harness();
    actor.send(ended("completed"));
    expect(runStateOf(await settled())).toBe("completed");
    expect(compensations).toEqual([]);
  });

  it("a graph that ends failed compensates, then fails the run", async () => {
    const { actor, compensations, settled } = harness();
    actor.send(ended("failed"));
    expect(runStateOf(actor.getSnapshot())).toBe("compensating");
    expect(runStateOf(await settled())).toBe("failed");
    expect(compensations).toEqual([{ runId: "r1", outcome: "failed", stop: null, turn: { input: "hi", userTurn: 1 } }]);
  });

  it("cancel while running aborts in-flight calls; the stopped graph compensates and the run ends cancelled", async () => {
    const { actor, log, compensations, settled } = harness();
    actor.send({ type: "CANCEL_REQUESTED" });
    expect(log).toEqual(["abort CANCELLED"]);
    expect(runStateOf(actor.getSnapshot())).toBe("running");
    actor.send(ended("running"));
    expect(runStateOf(await settled())).toBe("cancelled");
    expect(compensations[0]).toMatchObject({ outcome: "cancelled", stop: "cancelled" });
  });

  it("a timeout aborts with RUN_TIMEOUT, compensates and fails the run with that error", async () => {
    const { actor, log, compensations, settled } = harness();
    const error = new TroupeError("RUN_TIMEOUT", "too slow").toInfo();
    actor.send({ type: "TIMED_OUT", error });
    expect(log).toEqual(["abort RUN_TIMEOUT"]);
    actor.send(ended("running"));
    const done = await settled();
    expect(runStateOf(done)).toBe("failed");
    expect(done.context.error).toEqual(error);
    expect(compensations[0]).toMatchObject({ outcome: "failed", stop: "timed_out" });
  });

  it("pause asks the graph to drain; a drained graph pauses the run; a pause once stopping is ignored", async () => {
    const { actor, log } = harness();
    actor.send({ type: "PAUSE_REQUESTED" });
    actor.send({ type: "GRAPH_DRAINED" });
    expect(runStateOf(actor.getSnapshot())).toBe("paused");
    actor.send({ type: "RESUME", runId: "r2" });
    actor.send({ type: "CANCEL_REQUESTED" });
    actor.send({ type: "PAUSE_REQUESTED" });
    expect(log).toEqual(["drain", "abort CANCELLED"]);
  });

  it("an interrupt waits for an answer, unless the run is being cancelled", async () => {
    const waiting = harness();
    waiting.actor.send(ended("running", { interrupted: true }));
    expect(runStateOf(await waiting.settled())).toBe("interrupted");
    const cancelled = harness();
    cancelled.actor.send({ type: "CANCEL_REQUESTED" });
    cancelled.actor.send(ended("running", { interrupted: true }));
    expect(runStateOf(await cancelled.settled())).toBe("cancelled");
  });

  it("a turn with no checkpoint never completes: it is undone from the journal and fails", async () => {
    const { actor, settled } = harness();
    actor.send(ended("completed", { checkpointed: false }));
    expect(runStateOf(await settled())).toBe("failed");
  });

  it("cancelling a paused or interrupted run compensates it there and then", async () => {
    const { actor, compensations, settled } = harness();
    actor.send(ended("running", { interrupted: true }));
    actor.send({ type: "CANCEL", runId: "r2" });
    expect(runStateOf(await settled())).toBe("cancelled");
    expect(compensations[0]).toMatchObject({ runId: "r2", outcome: "cancelled", stop: "cancelled" });
  });

  it("a compensation that throws leaves the run compensating with the fault; a resume compensates again", async () => {
    let attempts = 0;
    const { actor, settled } = harness(async () => {
      if (++attempts === 1) throw new TroupeError("STORE_UNAVAILABLE", "store down");
    });
    actor.send(ended("failed"));
    const faulted = await settled();
    expect(runStateOf(faulted)).toBe("compensating");
    expect(faulted.context.fault).toMatchObject({ code: "STORE_UNAVAILABLE", message: "store down" });
    actor.send({ type: "RESUME", runId: "r2" });
    expect(runStateOf(await settled())).toBe("failed");
    expect(attempts).toBe(2);
  });

  it("completed, failed and cancelled are final: a resume is refused", () => {
    const { actor } = harness();
    actor.send(ended("completed"));
    expect(actor.getSnapshot().can({ type: "RESUME", runId: "r2" })).toBe(false);
  });
});

describe("run lifecycle document", () => {
  it("persists every transition in order, awaited by flush, and restores a run left compensating", async () => {
    const store = memoryStore();
    // the process dies while compensating: its compensation never finishes
    const dying = runLifecycleMachine.provide({ actors: { compensate: fromPromise(() => new Promise(() => {})) } });
    const run = await openRunLifecycle(store.docs, "t", dying, { restore: false, persist: true });
    run.actor.send({ type: "START", runId: "r1", turn: { input: "hi", userTurn: 3 } });
    run.actor.send(ended("failed"));
    await run.flush();
    expect(await readRunStatus(store.docs, "t")).toMatchObject({ runId: "r1", state: "compensating" });
    run.actor.stop();

    let undone = 0;
    const machine = runLifecycleMachine.provide({
      actors: { compensate: fromPromise<unknown, CompensationInput>(async () => undone++) },
    });
    const again = await openRunLifecycle(store.docs, "t", machine, { restore: true, persist: true });
    expect(runStateOf(again.actor.getSnapshot())).toBe("compensating");
    expect(undone).toBe(0); // restoring does not compensate by itself: a resume does
    again.actor.send({ type: "RESUME", runId: "r2" });
    await waitFor(again.actor, (s) => s.status === "done");
    await again.flush();
    expect(undone).toBe(1);
    expect(await readRunStatus(store.docs, "t")).toMatchObject({ runId: "r2", state: "failed" });
    expect((await lastStartedTurn(store.docs, "t"))?.userTurn).toBe(3);
  });

  it("reads documents written before the machine decided (no stop/error/fault, or no snapshot at all)", async () => {
    const store = memoryStore();
    const old = {
      status: "active",
      value: "paused",
      historyValue: {},
      context: { runId: "r0", outcome: "failed", turn: { input: "hi", userTurn: 2 } },
      children: {},
    };
    await store.docs.put("run_lifecycle", "old", "old", { snapshot: old, state: "paused", runId: "r0" });
    await store.docs.put("run_lifecycle", "bare", "bare", { state: "running", runId: "r0", snapshot: undefined });
    const paused = await openRunLifecycle(store.docs, "old", runLifecycleMachine, { restore: true, persist: false });
    expect(paused.actor.getSnapshot().context).toMatchObject({
      runId: "r0",
      stop: null,
      fault: null,
      turn: { userTurn: 2 },
    });
    paused.actor.send({ type: "RESUME", runId: "r1" });
    expect(runStateOf(paused.actor.getSnapshot())).toBe("running");
    const bare = await openRunLifecycle(store.docs, "bare", runLifecycleMachine, { restore: true, persist: false });
    expect(runStateOf(bare.actor.getSnapshot())).toBe("running");
  });

  it("a document that is not a run lifecycle is refused with STORE_INVALID naming the thread", async () => {
    const store = memoryStore();
    await store.docs.put("run_lifecycle", "odd", "odd", { state: "sleeping", runId: "r0" });
    await expect(readRunStatus(store.docs, "odd")).rejects.toMatchObject({
      code: "STORE_INVALID",
      message: expect.stringContaining('thread "odd"'),
    });
  });

  it("a write that fails is reported by flush", async () => {
    const store = memoryStore();
    const docs = { ...store.docs, put: () => Promise.reject(new Error("disk full")) };
    const run = await openRunLifecycle(docs, "t", runLifecycleMachine, { restore: false, persist: true });
    run.actor.send({ type: "START", runId: "r1" });
    await expect(run.flush()).rejects.toThrow("disk full");
  });
});
