import { Command } from "@langchain/langgraph";
import type { RunnableTeamGraph } from "../graph/define-pattern.js";
import { TroupeError } from "../errors.js";
import { userText } from "../protocol/messages.js";
import { readRunStatus } from "./run-lifecycle.js";
import { runStateOf, type RunMachineActor, type TurnInput } from "./run-machine.js";
import { stateOf } from "./run-settle.js";
import type { ExecutorDeps, Work } from "./run-work.js";
import type { HeldLease } from "../stores/run-lease.js";
import { describeHolder } from "../stores/thread-lease.js";

/** A new turn may not start while the thread waits for a person or has an unfinished run. */
export async function refuseNewTurn(deps: ExecutorDeps, threadId: string, lease: HeldLease): Promise<void> {
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

export async function graphInput(
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
