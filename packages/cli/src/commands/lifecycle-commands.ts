import type { Team } from "@troupe/core";
import type { CliIO } from "../cli-io.js";
import { clip } from "../format-event.js";
import { printRun, waitOption, type RunFlags } from "./run-command.js";

/** troupe status <thread>: lifecycle state, last checkpoint, pending approvals, open dead letters. */
export async function statusCommand(
  team: Team,
  threadId: string,
  flags: { json?: boolean | undefined },
  io: CliIO,
): Promise<number> {
  await team.escalateOverdue();
  const [status, result, approvals, letters] = await Promise.all([
    team.status(threadId),
    team.result(threadId),
    team.approvals.pending(threadId),
    team.deadLetters.list({ threadId, status: "open" }),
  ]);
  if (flags.json) {
    const who = {
      ...(status?.owner ? { owner: status.owner } : {}),
      ...(status?.ownerLost ? { ownerLost: status.ownerLost } : {}),
    };
    io.out(
      JSON.stringify({
        threadId,
        state: status?.state ?? result?.status ?? "unknown",
        runId: status?.runId,
        ...who,
        checkpointId: result?.checkpointId,
        approvals,
        deadLetters: letters,
      }),
    );
    return 0;
  }
  if (status?.ownerLost) io.out(`thread ${threadId}: interrupted: ${status.ownerLost.summary}`);
  else
    io.out(
      `thread ${threadId}: ${status?.state ?? result?.status ?? "unknown"}${status ? ` (since ${status.updatedAt})` : ""}`,
    );
  if (status?.owner)
    io.out(
      `run by pid ${status.owner.pid} on host ${status.owner.host} (${status.owner.purpose}) since ${status.owner.acquiredAt}; last heartbeat ${status.owner.heartbeatAt}`,
    );
  if (result?.checkpointId)
    io.out(`last checkpoint: ${result.checkpointId} · ${result.steps.length} agent turns this run`);
  for (const a of approvals)
    io.out(
      `waiting for approval ${a.id}: ${a.tool} (${a.reason}) from ${a.assignee}, deadline ${a.deadline} (troupe approve ${threadId} --id ${a.id} --as ${a.assignee})`,
    );
  for (const l of letters) io.out(`dead letter ${l.id}: ${l.kind} ${l.subject}: ${clip(l.error.message, 100)}`);
  return 0;
}

export async function resumeCommand(team: Team, threadId: string, flags: RunFlags, io: CliIO): Promise<number> {
  return printRun(team, team.resumeStream(threadId, undefined, waitOption(flags)), threadId, flags, io);
}

export async function pauseCommand(team: Team, threadId: string, io: CliIO): Promise<number> {
  await team.pause(threadId);
  io.out(
    `pause requested for ${threadId}: the run stops at its next step boundary (troupe resume ${threadId} continues it)`,
  );
  return 0;
}

export async function cancelCommand(team: Team, threadId: string, io: CliIO): Promise<number> {
  const result = await team.cancel(threadId);
  io.out(
    result
      ? `cancelled ${threadId} (${result.status})`
      : `cancel requested for ${threadId}: the running process aborts its in-flight calls and compensates`,
  );
  return 0;
}

/** troupe approve|reject <thread> [--id <approval>]: decides one approval, then prints the resumed run's progress and outcome. */
export async function decideCommand(
  team: Team,
  threadId: string,
  approved: boolean,
  flags: RunFlags & { as?: string | undefined; comment?: string | undefined; id?: string | undefined },
  io: CliIO,
): Promise<number> {
  const by = flags.as ?? (io.env.USER || "operator");
  const decision = {
    approved,
    by,
    ...(flags.comment ? { comment: flags.comment } : {}),
    ...(flags.id ? { approvalId: flags.id } : {}),
  };
  return printRun(team, team.decideStream(threadId, decision, waitOption(flags)), threadId, flags, io);
}

export async function dlqCommand(
  team: Team,
  action: string,
  id: string | undefined,
  flags: { json?: boolean | undefined; wait?: string | undefined },
  io: CliIO,
): Promise<number> {
  if (action === "list") {
    const letters = await team.deadLetters.list();
    if (flags.json) io.out(JSON.stringify(letters));
    else {
      if (!letters.length) io.err("the dead-letter store is empty");
      for (const l of letters)
        io.out(
          `${l.id}  ${l.status.padEnd(9)} ${l.kind.padEnd(13)} ${l.threadId.padEnd(20)} ${l.subject}: ${clip(l.error.message, 80)}`,
        );
    }
    return 0;
  }
  const result = await team.redrive(id!, waitOption(flags));
  io.out("compensated" in result ? `redrove ${id}: compensation done` : `redrove ${id}: run ${result.status}`);
  return "compensated" in result || result.status === "completed" ? 0 : 1;
}
