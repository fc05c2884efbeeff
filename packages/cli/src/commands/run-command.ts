import { randomUUID } from "node:crypto";
import {
  defaultLogger,
  ignored,
  type RanNode,
  type RunResult,
  type RunStream,
  type Team,
  type TroupeEvent,
} from "@troupe/core";
import { SIGNAL_EXIT, UsageError, type CliIO, type StopSignal } from "../cli-io.js";
import { formatEvent } from "../format-event.js";

export interface RunOutputFlags {
  json?: boolean | undefined;
  /** "jsonl": every event as one JSON line on stdout as it happens (instead of progress lines on stderr). */
  events?: string | undefined;
}

/** Checks --events: only "jsonl" is known. */
export function checkEventsFlag(flags: RunOutputFlags): void {
  if (flags.events !== undefined && flags.events !== "jsonl")
    throw new UsageError(`--events takes jsonl (every event as one JSON line), got "${flags.events}"`);
}

/** Flags of the commands that run work on a thread. */
export interface RunFlags extends RunOutputFlags {
  /** "--wait" alone is "forever"; "--wait 5000" waits at most 5 s for a busy thread. */
  wait?: string | undefined;
}

/** RunOptions.wait from --wait. */
export function waitOption(flags: RunFlags): { wait?: boolean | number } {
  if (flags.wait === undefined) return {};
  if (flags.wait === "forever") return { wait: true };
  const ms = Number(flags.wait);
  if (!Number.isFinite(ms) || ms < 0)
    throw new UsageError(`--wait takes a number of milliseconds, got "${flags.wait}"`);
  return { wait: ms };
}

/**
 * While a run streams: the first SIGINT/SIGTERM pauses it at the next step boundary, the second
 * cancels it (compensating), the third exits at once and leaves it resumable.
 */
function stopOnSignals(
  team: Team,
  thread: () => string,
  io: CliIO,
): { stop(): void; signal(): StopSignal | undefined } {
  let count = 0;
  let last: StopSignal | undefined;
  const stop =
    io.onSignal?.((signal) => {
      count++;
      last = signal;
      const threadId = thread();
      const failed = (error: unknown) => io.err(`troupe: ${error instanceof Error ? error.message : String(error)}`);
      if (count === 1) {
        io.err(
          `\n${signal}: pausing at the next step boundary (again: cancel and compensate; a third time: exit at once, leaving the run resumable)`,
        );
        team.pause(threadId).catch(failed);
      } else if (count === 2) {
        io.err(
          `${signal}: cancelling: aborting in-flight calls and compensating completed steps (again: exit at once)`,
        );
        team.cancel(threadId).catch(failed);
      } else {
        io.err(
          `${signal}: exiting now; the run stays resumable: troupe resume ${threadId} (or troupe cancel ${threadId})`,
        );
        void team.abandon(threadId).finally(() => io.exit?.(SIGNAL_EXIT[signal]));
      }
    }) ?? (() => undefined);
  return { stop, signal: () => last };
}

/** Prints a run's events as they happen, then its result (or the --json line). Returns the exit code. */
export async function printRun(
  team: Team,
  events: RunStream,
  threadId: string,
  flags: RunOutputFlags,
  io: CliIO,
): Promise<number> {
  const signals = stopOnSignals(team, () => threadId, io);
  try {
    const code = await printEvents(events, threadId, flags, io, (id) => (threadId = id));
    const signal = signals.signal();
    return signal ? SIGNAL_EXIT[signal] : code;
  } finally {
    signals.stop();
  }
}

async function printEvents(
  events: RunStream,
  threadId: string,
  flags: RunOutputFlags,
  io: CliIO,
  onThread: (id: string) => void,
): Promise<number> {
  let replaying = false;
  let failure: Extract<TroupeEvent, { type: "run.failed" }> | undefined;
  let started = false;
  for await (const event of events) {
    if (event.type === "run.started") {
      replaying = event.mode === "replay";
      started = true;
      threadId = event.threadId; // a forked replay runs on a new thread
      onThread(threadId);
    }
    if (event.type === "run.failed") failure = event;
    if (flags.events === "jsonl") {
      io.out(JSON.stringify(event));
      continue;
    }
    // a run that could not start is reported once, below, not as progress
    const line = started ? formatEvent(event, replaying) : undefined;
    if (line) io.err(line);
  }
  // a run that could not start or broke has no result: its run.failed event said why
  const result = await events.result.catch(ignored(defaultLogger(), "its run.failed event was reported above"));
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
    io.out(
      `\nrun ${result.status}; continue with troupe ${result.status === "paused" ? "resume" : "approve|reject"} ${threadId}`,
    );
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
    steps: (result.nodes ?? result.steps.map((s) => ({ ...s, kind: "agent" as const, node: s.node ?? s.agent }))).map(
      printedNode,
    ),
    usage: result.usage,
    ...(result.error ? { error: result.error } : {}),
    ...(result.checkpointId ? { checkpointId: result.checkpointId } : {}),
  };
}

/**
 * A node of the run as --json prints it: every node that ran, with its kind and node name. Timings
 * stay out (the same run prints the same steps; troupe trace shows durations).
 */
function printedNode(n: RanNode) {
  if (!("afterTurn" in n))
    return {
      kind: n.kind,
      node: n.node,
      agent: n.agent,
      turn: n.turn,
      task: n.task,
      directive: n.directive,
      ...(n.to ? { to: n.to } : {}),
      output: n.output,
      usage: n.usage,
    };
  return {
    kind: n.kind,
    node: n.node,
    [n.kind]: n.name,
    ...(n.input === undefined ? {} : { input: n.input }),
    ...("output" in n ? { output: n.output } : {}),
    ...(n.error ? { error: n.error } : {}),
  };
}

export async function runCommand(
  team: Team,
  input: string,
  flags: RunFlags & { thread?: string | undefined },
  io: CliIO,
): Promise<number> {
  const threadId = flags.thread ?? randomUUID();
  return printRun(team, team.stream(input, { threadId, ...waitOption(flags) }), threadId, flags, io);
}
