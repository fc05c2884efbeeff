import { randomUUID } from "node:crypto";
import type { RunResult, Team, TroupeEvent } from "@troupe/core";
import type { CliIO } from "../cli-io.js";
import { formatEvent } from "../format-event.js";

export interface RunOutputFlags {
  json?: boolean | undefined;
}

/** Prints a run's events as they happen, then the answer (or the --json line). Returns the exit code. */
export async function printRun(team: Team, events: AsyncIterable<TroupeEvent>, threadId: string, flags: RunOutputFlags, io: CliIO): Promise<number> {
  let replaying = false;
  let failure: Extract<TroupeEvent, { type: "run.failed" }> | undefined;
  let started = false;
  for await (const event of events) {
    if (event.type === "run.started") {
      replaying = event.mode === "replay";
      started = true;
      threadId = event.threadId; // a forked replay runs on a new thread
    }
    if (event.type === "run.failed") failure = event;
    // a run that could not start is reported once, below, not as progress
    const line = started ? formatEvent(event, replaying) : undefined;
    if (line) io.err(line);
  }
  const result = await team.result(threadId);
  if (failure && (!started || result?.status !== "failed")) {
    if (!started) io.err(`troupe: ${failure.error.message} [${failure.error.code}]`);
    return 1;
  }
  if (!result) {
    io.err(`troupe: thread ${threadId} has no result`);
    return 1;
  }
  if (flags.json) io.out(JSON.stringify(jsonOf(result)));
  else if (result.status === "failed" || result.status === "cancelled") {
    io.out(`\nrun ${result.status}${result.error ? `: ${result.error.message}` : ""}`);
    io.err(`\nthread: ${threadId}   (troupe status ${threadId} · troupe dlq list)`);
  } else if (result.status === "paused" || result.status === "interrupted") {
    io.out(`\nrun ${result.status}; continue with troupe ${result.status === "paused" ? "resume" : "approve|reject"} ${threadId}`);
  } else {
    io.out("");
    io.out(typeof result.output === "string" ? result.output : JSON.stringify(result.output, null, 2));
    io.err(`\nthread: ${threadId}   (troupe history ${threadId} · troupe replay ${threadId})`);
  }
  return result.status === "completed" || result.status === "paused" || result.status === "interrupted" ? 0 : 1;
}

/** The --json shape shared by run and replay. */
export function jsonOf(result: RunResult) {
  return {
    threadId: result.threadId,
    status: result.status,
    output: result.output,
    steps: result.steps.map((s) => ({ agent: s.agent, turn: s.turn, task: s.task, directive: s.directive, ...(s.to ? { to: s.to } : {}), output: s.output, usage: s.usage })),
    usage: result.usage,
    ...(result.error ? { error: result.error } : {}),
    ...(result.checkpointId ? { checkpointId: result.checkpointId } : {}),
  };
}

export async function runCommand(team: Team, input: string, flags: RunOutputFlags & { thread?: string | undefined }, io: CliIO): Promise<number> {
  const threadId = flags.thread ?? randomUUID();
  return printRun(team, team.stream(input, { threadId }), threadId, flags, io);
}
