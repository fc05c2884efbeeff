import { TroupeError } from "../errors.js";
import type { TroupeEvent } from "../protocol/events.js";
import type { RunResult } from "./run-result.js";
import type { Execution } from "./run-work.js";
import { defaultLogger, ignored } from "../logging/logger.js";

/**
 * A run's events as they happen, and its result once it settles: iterate it with `for await`, and
 * await `result` (during or after) instead of reading the thread again.
 *
 * @example
 * const run = team.stream("Plan the offsite", { threadId: "t-1" });
 * for await (const ev of run) console.log(ev.type);
 * const { status, output } = await run.result;
 */
export interface RunStream extends AsyncIterable<TroupeEvent> {
  /**
   * The run's result: resolves when the run settles (completed, failed, cancelled, paused or
   * interrupted); rejects with the TroupeError of a run that could not start or broke (its events
   * end with run.failed).
   */
  readonly result: Promise<RunResult>;
}

/** What breaking out of a stream's loop early does: cancel the run (and wait for it), or let it go on. */
export type OnBreak = "cancel" | "detach";

/** The RunStream of a started (or starting) execution. */
export function runStream(started: Execution | Promise<Execution>, onBreak: OnBreak = "cancel"): RunStream {
  const execution = Promise.resolve(started);
  const result = execution.then((run) => run.result);
  // a caller that only iterates learns of a failure from run.failed (or the iteration's throw)
  result.catch(ignored(defaultLogger(), "the run's failure is its run.failed event and the rejection of .result"));
  return {
    result,
    async *[Symbol.asyncIterator]() {
      const run = await execution;
      let ended = false;
      try {
        for await (const event of run.events) yield event;
        ended = true;
      } finally {
        // the caller stopped reading early: never leave a run going on unseen unless asked to
        if (!ended && onBreak === "cancel") {
          run.cancel();
          await run.result.catch(
            ignored(defaultLogger(), "the caller stopped reading; the cancelled run's outcome is in .result"),
          );
        }
      }
    },
  };
}

/**
 * Reads a run to its end. Rejects with the run's TroupeError (partial result in `details.result`)
 * when it fails or is cancelled, unless `throwOnFailure` is false.
 */
export async function finishRun(run: Execution, throwOnFailure = true): Promise<RunResult> {
  for await (const _ of run.events);
  const result = await run.result;
  if (!throwOnFailure || ["completed", "paused", "interrupted"].includes(result.status)) return result;
  const error = result.error ?? {
    code: result.status === "cancelled" ? ("CANCELLED" as const) : ("INTERNAL" as const),
    message: `the run was ${result.status}`,
    retryable: false,
  };
  throw new TroupeError(error.code, error.message, { details: { ...error.details, result } });
}
