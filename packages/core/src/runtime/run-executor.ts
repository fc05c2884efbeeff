import { randomUUID } from "node:crypto";
import { RunControl } from "@langchain/langgraph";
import { fromPromise, waitFor } from "xstate";
import { AsyncQueue } from "../async-queue.js";
import { TroupeError, toTroupeError } from "../errors.js";
import { runEventsTopic, TERMINAL_EVENTS, type EventBody, type TroupeEvent } from "../protocol/events.js";
import type { RunResult } from "./run-result.js";
import { settledResult, undoRun } from "./run-settle.js";
import { lastStartedTurn, openRunLifecycle, takeControl, type RunLifecycle } from "./run-lifecycle.js";
import {
  runLifecycleMachine,
  runStateOf,
  SETTLED_STATES,
  type RunMachineActor,
  type RunMachineEvent,
} from "./run-machine.js";
import { runGraph } from "./run-graph.js";
import { graphInput, refuseNewTurn } from "./run-input.js";
import type { ExecuteOptions, Execution, ExecutorDeps, Work } from "./run-work.js";
import { takeLease, type HeldLease } from "../stores/run-lease.js";
import { ignored, logIgnored, runLogger } from "../logging/logger.js";
import { logEvent } from "../logging/log-event.js";
import { RunEventLog } from "./run-event-log.js";

/**
 * Runs one piece of work on a thread under the thread's lease; events stream out while the result
 * settles. A busy thread fails with THREAD_BUSY (or waits, with `waitMs`). The run machine decides
 * how the run goes on and ends; this sends it what happens (requests, the timeout, how the graph
 * stopped) and waits for it to settle.
 */
export function execute(deps: ExecutorDeps, work: Work, threadId: string, options: ExecuteOptions = {}): Execution {
  const { signal } = options;
  const runId = randomUUID();
  const queue = new AsyncQueue<TroupeEvent>();
  const log = runLogger(deps.logger, { runId, threadId, team: deps.name });
  // Every event goes over the bus (so a durable bus keeps a run's whole history) and comes back
  // through the run's subscription, events of agent hosts in other processes too; each is appended
  // once to the thread's event log. The terminal event doubles as a barrier before closing.
  let reachedEnd: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (reachedEnd = resolve));
  const eventLog = new RunEventLog(deps.store.events, threadId);
  const received = (event: TroupeEvent) => {
    eventLog.add(event);
    queue.push(event);
    if (TERMINAL_EVENTS.has(event.type)) reachedEnd();
  };
  const emit = (body: EventBody) => {
    const event = { ...body, runId, threadId, at: new Date().toISOString() } as TroupeEvent;
    deps.observe?.(event);
    logEvent(log, body);
    deps.bus.publish(runEventsTopic(runId), event).catch((error: unknown) => {
      logIgnored(log, error, "the bus did not take the event; it goes straight to this run's stream");
      received(event);
    });
  };
  const controller = new AbortController();
  signal?.addEventListener("abort", () => controller.abort(signal.reason), { once: true });
  const replaying = work.kind === "replay" && !work.live;
  const control = new RunControl();
  const settleContext = { emit, runId, threadId, replaying };
  const machine = runLifecycleMachine.provide({
    actions: {
      requestDrain: () => control.requestDrain("pause requested"),
      abortRun: (_, { reason }) =>
        controller.abort(reason ? TroupeError.fromInfo(reason) : new TroupeError("CANCELLED", "the run was cancelled")),
    },
    actors: { compensate: fromPromise(({ input }) => undoRun(deps, settleContext, input)) },
  });
  const requests = new RunRequests(controller);
  const cancel = () => requests.send({ type: "CANCEL_REQUESTED" });

  const result = (async (): Promise<RunResult> => {
    const subscription = await deps.bus.subscribe(runEventsTopic(runId), (message) => received(message as TroupeEvent));
    let lifecycle: RunLifecycle | undefined;
    let lease: HeldLease | undefined;
    const runTimeoutMs = deps.spec.limits.runTimeoutMs;
    const timer =
      runTimeoutMs && !replaying
        ? setTimeout(() => {
            const error = new TroupeError(
              "RUN_TIMEOUT",
              `the run took longer than limits.runTimeoutMs (${runTimeoutMs} ms); raise the limit or narrow the task`,
            );
            requests.send({ type: "TIMED_OUT", error: error.toInfo() });
          }, runTimeoutMs)
        : undefined;
    const poll = setInterval(() => void checkControl(), deps.controlPollMs);
    async function checkControl() {
      // a failed look is tried again at the next poll
      const action = await takeControl(deps.store.docs, threadId).catch(
        ignored(log, "control requests are looked for again at the next poll"),
      );
      if (action === "pause") requests.send({ type: "PAUSE_REQUESTED" });
      if (action === "cancel") requests.send({ type: "CANCEL_REQUESTED" });
    }
    try {
      lease = await takeLease(deps.store.leases, threadId, {
        owner: runId,
        purpose: work.kind,
        settings: deps.lease,
        ...(options.waitMs ? { waitMs: options.waitMs } : {}),
        signal: controller.signal,
        logger: log,
      });
      if (lease.previous)
        log.warn(
          { previous: lease.previous },
          `took over thread ${threadId} from ${lease.previous.owner}, which stopped heartbeating`,
        );
      lease.lost.addEventListener(
        "abort",
        () => {
          log.warn({ err: lease!.lost.reason }, `lost thread ${threadId} to another owner; this run stops`);
          controller.abort(lease!.lost.reason);
        },
        { once: true },
      );
      if (work.kind === "run") await refuseNewTurn(deps, threadId, lease);
      await deps.serve();
      const mode = replaying ? "replay" : "live";
      const keySuffix =
        work.kind === "replay" && work.live
          ? `:live-${runId.slice(0, 8)}`
          : work.kind === "redrive"
            ? work.keySuffix
            : "";
      const recordsThreadId = work.kind === "replay" && work.recordsThreadId ? work.recordsThreadId : threadId;
      const liveReplay =
        work.kind === "replay" && work.live ? { liveReplay: { liveTools: work.liveTools === true } } : {};
      deps.runs.set(runId, {
        runId,
        threadId,
        mode,
        keySuffix,
        recordsThreadId,
        ...liveReplay,
        emit,
        signal: controller.signal,
        stream: true,
      });
      // a pause or cancel asked for before this run began is not meant for it
      if (work.kind === "run" || work.kind === "redrive") await takeControl(deps.store.docs, threadId);
      const startedBefore =
        work.kind === "run" || (work.kind === "replay" && work.live)
          ? await lastStartedTurn(deps.store.docs, threadId)
          : null;
      // a replay is a new run of the thread (a plain replay leaves no lifecycle behind); resume,
      // approve and cancel pick up the run the lifecycle document describes
      const fresh = work.kind === "run" || work.kind === "redrive" || work.kind === "replay";
      lifecycle = await openRunLifecycle(deps.store.docs, threadId, machine, { restore: !fresh, persist: !replaying });
      const { actor } = lifecycle;
      const pause = () => requests.send({ type: "PAUSE_REQUESTED" });
      if (!replaying) deps.active.set(threadId, { runId, pause, cancel });
      const graphRun =
        work.kind === "cancel" ? undefined : await graphInput(deps, work, threadId, actor, startedBefore?.userTurn);
      if (!graphRun) actor.send({ type: "CANCEL", runId });
      else {
        const resuming = work.kind === "resume" || work.kind === "approve";
        const turn = work.kind === "replay" ? startedBefore : graphRun.turn;
        actor.send(resuming ? { type: "RESUME", runId } : { type: "START", runId, ...(turn ? { turn } : {}) });
        emit({
          type: "run.started",
          input: work.kind === "run" ? work.input : null,
          mode,
          ...(graphRun.checkpointId ? { from: graphRun.checkpointId } : {}),
        });
        if (resuming) emit({ type: "run.resumed" });
      }
      requests.attach(actor);
      // a run restored in compensating goes on compensating; the graph does not run again
      if (graphRun && runStateOf(actor.getSnapshot()) === "running") {
        const stopped = await runGraph(deps, {
          threadId,
          runId,
          input: graphRun.input,
          checkpointId: graphRun.checkpointId,
          control,
          signal: controller.signal,
          stopping: () => actor.getSnapshot().context.stop !== null,
          emit,
          checkControl: replaying ? async () => undefined : checkControl,
        });
        actor.send(stopped);
      }
      const settled = await waitFor(actor, (s) => SETTLED_STATES.has(runStateOf(s)) || s.context.fault !== null, {
        timeout: Infinity,
      });
      await lifecycle.flush();
      if (settled.context.fault) throw TroupeError.fromInfo(settled.context.fault);
      return await settledResult(deps, settleContext, runStateOf(settled), settled.context);
    } catch (error) {
      const typed = toTroupeError(error, "INTERNAL", `team ${deps.name}`);
      emit({ type: "run.failed", error: typed.toInfo() });
      throw typed;
    } finally {
      clearInterval(poll);
      clearTimeout(timer);
      await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      // the terminal event is in the log before the result settles (a store that hangs is not waited for long)
      await eventLog.flushed(EVENT_LOG_FLUSH_MS);
      deps.runs.delete(runId);
      if (deps.active.get(threadId)?.runId === runId) deps.active.delete(threadId);
      lifecycle?.actor.stop();
      // a failed write was reported above; the store keeps what it has, as after a crash
      await lifecycle?.flush().catch(ignored(log, "a failed write was reported above; the store keeps what it has"));
      await lease?.release().catch(ignored(log, "an unreleased lease lapses after its TTL"));
      await subscription.unsubscribe();
      queue.close();
    }
  })();
  return { events: queue, result, cancel };
}

// how long a settling run waits for its last events to reach the event log
const EVENT_LOG_FLUSH_MS = 5000;

/** Requests (pause, cancel, timeout) go to the run machine; until it is open they wait, and a stop aborts at once. */
class RunRequests {
  private actor: RunMachineActor | undefined;
  private readonly early: RunMachineEvent[] = [];

  constructor(private readonly controller: AbortController) {}

  send(event: RunMachineEvent): void {
    if (this.actor) {
      // a request that comes after the run settled has nothing left to steer
      if (this.actor.getSnapshot().status === "active") this.actor.send(event);
      return;
    }
    this.early.push(event);
    if (event.type === "TIMED_OUT") this.controller.abort(TroupeError.fromInfo(event.error));
    if (event.type === "CANCEL_REQUESTED") this.controller.abort(new TroupeError("CANCELLED", "the run was cancelled"));
  }

  /** From now on requests go straight to the machine; those that came early are sent first. */
  attach(actor: RunMachineActor): void {
    this.actor = actor;
    for (const event of this.early.splice(0)) actor.send(event);
  }
}
