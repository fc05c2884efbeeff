/** One appended event as a store keeps it: its place in the thread's log and the run it belongs to. */
export interface StoredEventRow {
  /** 1, 2, 3, ... per thread: strictly increasing, never shared, in the order events were appended. */
  seq: number;
  threadId: string;
  runId: string;
  /** The event as JSON data; read it through records/run-events.ts, which parses it. */
  event: unknown;
}

export interface ReadEventsOptions {
  /** Only events after this sequence number (for tailing: pass the last seq seen). */
  afterSeq?: number;
  /** Only this run's events. */
  runId?: string;
  /** At most this many rows. */
  limit?: number;
}

/**
 * The append-only log of every event of every run of a thread, beside the checkpoints, so a run
 * can be inspected after it settled (`troupe events`, `troupe trace`). Each store assigns `seq`
 * atomically: two appenders (processes, connections) never get the same number for a thread.
 */
export interface EventLog {
  /** Appends one event; resolves with its sequence number in the thread's log. */
  append(threadId: string, runId: string, event: unknown): Promise<number>;
  /** The thread's events in sequence order. */
  read(threadId: string, options?: ReadEventsOptions): Promise<StoredEventRow[]>;
}

/**
 * An event log in one process's memory (memoryStore). Appends are synchronous under the hood, so
 * sequence numbers are never shared.
 */
export function memoryEventLog(): EventLog {
  const logs = new Map<string, StoredEventRow[]>();
  return {
    async append(threadId, runId, event) {
      const log = logs.get(threadId) ?? [];
      logs.set(threadId, log);
      const seq = log.length + 1;
      log.push({ seq, threadId, runId, event: structuredClone(event) });
      return seq;
    },
    async read(threadId, options = {}) {
      const rows = (logs.get(threadId) ?? []).filter(
        (row) => row.seq > (options.afterSeq ?? 0) && (options.runId === undefined || row.runId === options.runId),
      );
      return structuredClone(options.limit === undefined ? rows : rows.slice(0, options.limit));
    },
  };
}
