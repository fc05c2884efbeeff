import type Database from "better-sqlite3";
import type { EventLog, StoredEventRow } from "@troupe/core";

interface EventRow {
  seq: number;
  thread_id: string;
  run_id: string;
  event: string;
}

/** The `troupe_events` table (created when missing, so stores of earlier versions open too). */
export const EVENTS_TABLE_SQL = `
  CREATE TABLE IF NOT EXISTS troupe_events (thread_id TEXT NOT NULL, seq INTEGER NOT NULL, run_id TEXT NOT NULL, event TEXT NOT NULL, PRIMARY KEY (thread_id, seq));
  CREATE INDEX IF NOT EXISTS troupe_events_run ON troupe_events (thread_id, run_id, seq);
`;

/**
 * A thread's event log in SQLite. The next seq is read and the row written in one IMMEDIATE
 * transaction (the write lock is taken before the read), so appenders in other processes of the
 * same file wait their turn and never share a seq; the primary key would refuse it anyway.
 */
export function sqliteEvents(db: Database.Database): EventLog {
  const next = db.prepare<[string], { seq: number }>(
    "SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM troupe_events WHERE thread_id = ?",
  );
  const insert = db.prepare("INSERT INTO troupe_events (thread_id, seq, run_id, event) VALUES (?, ?, ?, ?)");
  const append = db.transaction((threadId: string, runId: string, event: string): number => {
    const { seq } = next.get(threadId)!;
    insert.run(threadId, seq, runId, event);
    return seq;
  });
  const read = db.prepare<[string, number, string | null, string | null, number], EventRow>(
    `SELECT seq, thread_id, run_id, event FROM troupe_events
     WHERE thread_id = ? AND seq > ? AND (? IS NULL OR run_id = ?) ORDER BY seq LIMIT ?`,
  );
  return {
    async append(threadId, runId, event) {
      return append.immediate(threadId, runId, JSON.stringify(event ?? null));
    },
    async read(threadId, options = {}) {
      const runId = options.runId ?? null;
      return read.all(threadId, options.afterSeq ?? 0, runId, runId, options.limit ?? -1).map(rowOf);
    },
  };
}

function rowOf(row: EventRow): StoredEventRow {
  return { seq: row.seq, threadId: row.thread_id, runId: row.run_id, event: JSON.parse(row.event) };
}
