import type { TroupeEvent } from "@troupe/core";
import { TERMINAL_EVENT_TYPES, type FollowOptions, type RunAnnouncement, type RunEventLog } from "./run-event-log.js";

/**
 * A thread's events across its runs, from the event log: each announced run in turn, switching to
 * the next run when one is announced (an orchestrator took over after another died), and ending
 * when the latest run reaches a terminal event (or on abort).
 *
 * @example
 * for await (const event of followThread(await bus.eventLog(), "order-1")) console.log(event.type);
 */
export async function* followThread(
  log: RunEventLog,
  threadId: string,
  options: FollowOptions = {},
): AsyncGenerator<TroupeEvent> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const runs: RunAnnouncement[] = [];
  let wake: () => void = () => undefined;
  let failure: unknown;
  const pump = (async () => {
    for await (const announcement of log.followRuns(threadId, { signal: stop.signal })) {
      runs.push(announcement);
      wake();
    }
  })().catch((error: unknown) => {
    failure = error;
    wake();
  });
  const waitForRun = (index: number) =>
    new Promise<void>((resolve) => {
      if (runs.length > index || stop.signal.aborted || failure) return resolve();
      wake = resolve;
      stop.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  try {
    for (let index = 0; ; index++) {
      await waitForRun(index);
      if (failure) throw failure;
      const run = runs[index];
      if (!run) return; // aborted
      // stop following this run as soon as a newer one is announced
      const superseded = new AbortController();
      const watch = setInterval(() => runs.length > index + 1 && superseded.abort(), 100);
      let seen = 0;
      let ended = false;
      try {
        for await (const event of log.follow(run.runId, {
          signal: AbortSignal.any([superseded.signal, stop.signal]),
        })) {
          seen++;
          yield event;
          ended = TERMINAL_EVENT_TYPES.has(event.type);
        }
      } finally {
        clearInterval(watch);
      }
      if (stop.signal.aborted) return;
      if (!ended) {
        // what the superseded run stored after we stopped following it
        for (const event of (await log.read(run.runId)).slice(seen)) yield event;
      }
      if (ended && runs.length <= index + 1) return;
    }
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    stop.abort();
    await pump;
  }
}
