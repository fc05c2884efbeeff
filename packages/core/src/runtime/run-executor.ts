import { randomUUID } from "node:crypto";
import { Command, GraphDrained, RunControl } from "@langchain/langgraph";
import { fromPromise, waitFor } from "xstate";
import { RUN_ID_KEY, type RunContext } from "../graph/agent-node.js";
import { AsyncQueue } from "../async-queue.js";
import type { Bus } from "../bus/bus.js";
import type { UndoStep } from "./compensator.js";
import type { Approvals } from "../records/approvals.js";
import type { DeadLetters } from "../records/dead-letters.js";
import type { RunnableTeamGraph } from "../graph/define-pattern.js";
import { isRunStop, TroupeError, toTroupeError } from "../errors.js";
import { runEventsTopic, TERMINAL_EVENTS, type EventBody, type TroupeEvent } from "../protocol/events.js";
import { userText } from "../protocol/messages.js";
import type { Resilience } from "../protocol/resilience-policy.js";
import type { TeamStateValue } from "../protocol/team-state.js";
import type { RunResult } from "./run-result.js";
import { settledResult, stateOf, undoRun } from "./run-settle.js";
import { lastStartedTurn, openRunLifecycle, readRunStatus, takeControl, type RunLifecycle } from "./run-lifecycle.js";
import {
  runLifecycleMachine,
  runStateOf,
  SETTLED_STATES,
  type RunMachineActor,
  type RunMachineEvent,
  type TurnInput,
} from "./run-machine.js";
import { takeLease, type HeldLease } from "../stores/run-lease.js";
import { describeHolder, type LeaseSettings } from "../stores/thread-lease.js";
import type { ApprovalDecision } from "../graph/agent-node.js";
import type { TeamSpec } from "../spec/team-spec.js";
import type { TeamStore } from "../stores/team-store.js";

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
  // Every event goes over the bus (so a durable bus keeps a run's whole history) and comes back
  // through the run's subscription; the terminal event doubles as a barrier before closing.
  let reachedEnd: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (reachedEnd = resolve));
  const emit = (body: EventBody) => {
    const event = { ...body, runId, threadId, at: new Date().toISOString() } as TroupeEvent;
    deps.bus.publish(runEventsTopic(runId), event).catch(() => {
      queue.push(event);
      if (TERMINAL_EVENTS.has(event.type)) reachedEnd();
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
    const subscription = await deps.bus.subscribe(runEventsTopic(runId), (message) => {
      const event = message as TroupeEvent;
      queue.push(event);
      if (TERMINAL_EVENTS.has(event.type)) reachedEnd();
    });
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
      const action = await takeControl(deps.store.docs, threadId).catch(() => undefined);
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
      });
      lease.lost.addEventListener("abort", () => controller.abort(lease!.lost.reason), { once: true });
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
      deps.runs.delete(runId);
      if (deps.active.get(threadId)?.runId === runId) deps.active.delete(threadId);
      lifecycle?.actor.stop();
      // a failed write was reported above; the store keeps what it has, as after a crash
      await lifecycle?.flush().catch(() => undefined);
      await lease?.release().catch(() => undefined); // an unreleased lease lapses after its TTL
      await subscription.unsubscribe();
      queue.close();
    }
  })();
  return { events: queue, result, cancel };
}

/** Requests (pause, cancel, timeout) go to the run machine; until it is open they wait, and a stop aborts at once. */
class RunRequests {
  private actor: RunMachineActor | undefined;
  private readonly early: RunMachineEvent[] = [];

  constructor(private readonly controller: AbortController) {}

  send(event: RunMachineEvent): void {
    if (this.actor) return this.actor.send(event);
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

interface GraphRun {
  threadId: string;
  runId: string;
  input: unknown;
  checkpointId: string | undefined;
  control: RunControl;
  signal: AbortSignal;
  /** True once the machine is stopping the run (cancel, timeout): an abort is then expected. */
  stopping: () => boolean;
  emit: (body: EventBody) => void;
  checkControl: () => Promise<void>;
}

/** Streams the graph until it ends, drains or is stopped; returns what the run machine is told. */
async function runGraph(deps: ExecutorDeps, run: GraphRun): Promise<RunMachineEvent> {
  try {
    const stream = await deps.graph.stream(run.input, {
      configurable: {
        thread_id: run.threadId,
        [RUN_ID_KEY]: run.runId,
        ...(run.checkpointId ? { checkpoint_id: run.checkpointId } : {}),
      },
      streamMode: ["checkpoints"],
      signal: run.signal,
      control: run.control,
      recursionLimit: deps.spec.limits.maxTurns * 4 + 20,
    });
    for await (const chunk of stream) {
      const [kind, payload] = chunk as [
        string,
        { config?: { configurable?: { checkpoint_id?: string } }; metadata?: { step?: number } },
      ];
      const id = payload.config?.configurable?.checkpoint_id;
      if (kind === "checkpoints" && id)
        run.emit({ type: "checkpoint.saved", checkpointId: id, step: payload.metadata?.step ?? -1 });
      await run.checkControl();
    }
  } catch (error) {
    if (error instanceof GraphDrained) return { type: "GRAPH_DRAINED" };
    if (!(run.stopping() && isRunStop(toTroupeError(error)))) throw error;
  }
  const snapshot = await stateOf(deps.graph, run.threadId);
  return {
    type: "GRAPH_ENDED",
    status: (snapshot?.values as TeamStateValue | undefined)?.status ?? "running",
    interrupted: snapshot?.tasks.some((t) => (t.interrupts ?? []).length > 0) ?? false,
    checkpointed: snapshot !== undefined,
  };
}

/** A new turn may not start while the thread waits for a person or has an unfinished run. */
async function refuseNewTurn(deps: ExecutorDeps, threadId: string, lease: HeldLease): Promise<void> {
  const [waiting] = await deps.approvals.pending(threadId);
  if (waiting) {
    throw new TroupeError(
      "THREAD_AWAITING_APPROVAL",
      `thread "${threadId}" waits for approval ${waiting.id} (${waiting.tool}: ${waiting.reason}) from ${waiting.assignee}; ` +
        `decide it with troupe approve|reject ${threadId} --id ${waiting.id} --as ${waiting.assignee}, or use another thread`,
      { details: { approvalId: waiting.id, assignee: waiting.assignee } },
    );
  }
  const status = await readRunStatus(deps.store.docs, threadId);
  if (!status || !["running", "compensating", "paused", "interrupted"].includes(status.state)) return;
  const how = `finish it with troupe resume ${threadId}, or undo it with troupe cancel ${threadId}, before starting a new turn`;
  const left =
    status.state === "paused"
      ? `is paused`
      : status.state === "interrupted"
        ? `has an unfinished interrupted run`
        : `was left ${status.state} by ${lease.previous ? `${describeHolder(lease.previous)}, which stopped heartbeating at ${lease.previous.heartbeatAt}` : "a process that stopped"}`;
  throw new TroupeError("THREAD_UNFINISHED", `thread "${threadId}" ${left}; ${how}`, {
    details: { state: status.state },
  });
}

/** The graph input that starts a user turn. */
function turnStart({ input, userTurn }: TurnInput) {
  return { input, userTurn, turn: 0, status: "running", output: null, error: null, messages: [userText(input)] };
}

async function graphInput(
  deps: ExecutorDeps,
  work: Work,
  threadId: string,
  actor: RunMachineActor,
  startedBefore = 0,
): Promise<{ input: unknown; checkpointId: string | undefined; turn?: TurnInput }> {
  if (work.kind === "run") {
    await deps.store.threads.saveThread({ threadId, spec: deps.spec, baseDir: deps.baseDir });
    const prior = await stateOf(deps.graph, threadId);
    // a turn that died before its first checkpoint keeps its number: its journal and records use it
    const turn = { input: work.input, userTurn: Math.max(prior?.values.userTurn ?? 0, startedBefore) + 1 };
    return { input: turnStart(turn), checkpointId: undefined, turn };
  }
  if (work.kind === "resume" || work.kind === "approve") {
    if (!actor.getSnapshot().can({ type: "RESUME", runId: "" })) {
      const state = runStateOf(actor.getSnapshot());
      throw new TroupeError(
        "RUN_NOT_RESUMABLE",
        `thread "${threadId}" has nothing to resume (its last run is ${state}); start a new run, or redrive its dead letters`,
      );
    }
    const snapshot = await stateOf(deps.graph, threadId);
    // the run's process died after the run started but before its input reached the checkpoints
    // (nothing of the turn ran yet): start the turn again, as it was started
    const turn = actor.getSnapshot().context.turn;
    if (turn && (snapshot?.values.userTurn ?? 0) < turn.userTurn)
      return { input: turnStart(turn), checkpointId: undefined };
    const interrupts = snapshot?.tasks.flatMap((t) => t.interrupts ?? []) ?? [];
    if (work.kind === "approve")
      return { input: await approvalCommand(deps, threadId, work, interrupts), checkpointId: undefined };
    if (interrupts.length && work.answer === undefined) {
      throw new TroupeError(
        "RUN_NOT_RESUMABLE",
        `thread "${threadId}" waits for an approval; answer it with troupe approve|reject ${threadId}`,
      );
    }
    return { input: interrupts.length ? new Command({ resume: work.answer }) : null, checkpointId: undefined };
  }
  const from = work.kind === "cancel" ? undefined : work.from;
  if (from !== undefined && !(await hasCheckpoint(deps.graph, threadId, from))) {
    throw new TroupeError(
      "CHECKPOINT_UNKNOWN",
      `thread "${threadId}" has no checkpoint "${from}"; list them with troupe history ${threadId}`,
    );
  }
  return { input: null, checkpointId: from ?? (await lastTurnStart(deps.graph, threadId)) };
}

/**
 * Records the decision on the approval it names and resumes exactly the interrupt that asked for it
 * (other branches waiting for their own approvals keep waiting).
 */
async function approvalCommand(
  deps: ExecutorDeps,
  threadId: string,
  work: Extract<Work, { kind: "approve" }>,
  interrupts: Array<{ id?: string; value?: unknown }>,
): Promise<Command> {
  const pending = await deps.approvals.pending(threadId);
  const listing = pending.map((a) => `${a.id} (${a.tool}, from ${a.assignee})`).join(", ");
  const target = work.approvalId
    ? pending.find((a) => a.id === work.approvalId)
    : pending.length === 1
      ? pending[0]
      : undefined;
  if (!target) {
    if (!pending.length) throw new TroupeError("RUN_NOT_RESUMABLE", `thread "${threadId}" has no pending approval`);
    throw new TroupeError(
      "RUN_NOT_RESUMABLE",
      work.approvalId
        ? `thread "${threadId}" has no pending approval "${work.approvalId}"; pending: ${listing}`
        : `thread "${threadId}" waits for ${pending.length} approvals; choose one with --id: ${listing}`,
    );
  }
  const asked = interrupts.find((i) => (i.value as { approvalId?: unknown } | undefined)?.approvalId === target.id);
  if (!asked)
    throw new TroupeError(
      "RUN_NOT_RESUMABLE",
      `approval ${target.id} is pending but no call of thread "${threadId}" waits for it; cancel the thread with troupe cancel ${threadId}`,
    );
  await deps.approvals.decide(target.id, work.decision, deps.now());
  return new Command({ resume: asked.id && interrupts.length > 1 ? { [asked.id]: work.decision } : work.decision });
}

async function hasCheckpoint(graph: RunnableTeamGraph, threadId: string, checkpointId: string): Promise<boolean> {
  let any = false;
  for await (const snapshot of graph.getStateHistory({ configurable: { thread_id: threadId } })) {
    any = true;
    if (snapshot.config.configurable?.checkpoint_id === checkpointId) return true;
  }
  if (!any)
    throw new TroupeError("THREAD_UNKNOWN", `no checkpoints for thread "${threadId}"; check the thread id and --store`);
  return false;
}

/** The input checkpoint that started the thread's last user turn. */
async function lastTurnStart(graph: RunnableTeamGraph, threadId: string): Promise<string> {
  let start: string | undefined;
  let any: string | undefined;
  for await (const snapshot of graph.getStateHistory({ configurable: { thread_id: threadId } })) {
    const id = String(snapshot.config.configurable?.checkpoint_id);
    any ??= id;
    if ((snapshot.metadata as { source?: string } | undefined)?.source === "input") {
      start = id;
      break;
    }
  }
  if (!any)
    throw new TroupeError("THREAD_UNKNOWN", `no checkpoints for thread "${threadId}"; check the thread id and --store`);
  return start ?? any;
}
