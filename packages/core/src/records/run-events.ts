import type { TroupeEvent } from "../protocol/events.js";
import type { EventLog, ReadEventsOptions } from "../stores/event-log.js";
import { parseStored } from "./record-keys.js";
import { StoredEventSchema, type LoggedEvent } from "./record-schemas.js";

/**
 * Appends a run's event to its thread's event log (awaited: a failed append rejects).
 *
 * @example
 * const seq = await appendEvent(store.events, event);
 */
export function appendEvent(log: EventLog, event: TroupeEvent): Promise<number> {
  return log.append(event.threadId, event.runId, event);
}

/**
 * A thread's logged events in sequence order, each parsed with its schema (RECORD_INVALID names a
 * row that is not an event).
 *
 * @example
 * for (const { seq, event } of await readEvents(store.events, "t-1", { afterSeq: 10 })) ...
 */
export async function readEvents(
  log: EventLog,
  threadId: string,
  options: ReadEventsOptions = {},
): Promise<LoggedEvent[]> {
  const rows = await log.read(threadId, options);
  return rows.map((row) => parseStored(StoredEventSchema, row, `event ${row.seq} of thread "${threadId}"`));
}

/** The id of the thread's latest run (the last `run.started` in its log), if any ran. */
export async function latestRunId(log: EventLog, threadId: string): Promise<string | undefined> {
  const events = await readEvents(log, threadId);
  return events.findLast((e) => e.event.type === "run.started")?.runId ?? events.at(-1)?.runId;
}
