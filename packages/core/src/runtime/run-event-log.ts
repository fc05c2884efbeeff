import { createHash } from "node:crypto";
import type { TroupeEvent } from "../protocol/events.js";
import { appendEvent } from "../records/run-events.js";
import type { EventLog } from "../stores/event-log.js";

/**
 * Appends one run's events to the thread's event log: once each (an event delivered twice, as an
 * at-least-once bus may, is appended once), in the order the run's subscription received them,
 * one append at a time. A failed append never stops or hangs the run: the run goes on, the event
 * is missing from the log, and the first failure is reported as a process warning
 * (`TROUPE_EVENT_LOG`) naming the thread.
 */
export class RunEventLog {
  private chain: Promise<void> = Promise.resolve();
  private readonly seen = new Set<string>();
  private lost = 0;

  constructor(
    private readonly log: EventLog,
    private readonly threadId: string,
  ) {}

  /** Queues the event for appending; false when it was already appended (a duplicate delivery). */
  add(event: TroupeEvent): boolean {
    const key = createHash("sha1").update(JSON.stringify(event)).digest("base64");
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    this.chain = this.chain
      .then(() => appendEvent(this.log, event))
      .then(
        () => undefined,
        (error: unknown) => this.report(event, error),
      );
    return true;
  }

  /** Resolves when every queued event is appended (or has failed), or after `timeoutMs`, whichever is first. */
  async flushed(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.chain, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  private report(event: TroupeEvent, error: unknown): void {
    this.lost++;
    // the run is not the log: it goes on, and `troupe events` shows what was appended
    if (this.lost === 1)
      process.emitWarning(
        `could not append ${event.type} (and possibly later events) of run ${event.runId} to the event log of thread "${this.threadId}": ${error instanceof Error ? error.message : String(error)}; the run goes on, troupe events will miss them`,
        { code: "TROUPE_EVENT_LOG" },
      );
  }
}
