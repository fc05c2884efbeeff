import type pg from "pg";
import type { EventLog } from "@troupe/core";

type Query = <R extends pg.QueryResultRow>(text: string, values: unknown[]) => Promise<R[]>;

interface EventRow {
  seq: number;
  thread_id: string;
  run_id: string;
  event: string;
}

/** The event log's tables, created with the store's other tables (so databases of earlier versions gain them). */
export function eventTablesSql(events: string, counters: string): string {
  return `CREATE TABLE IF NOT EXISTS ${counters} (thread_id TEXT PRIMARY KEY, last_seq BIGINT NOT NULL);
    CREATE TABLE IF NOT EXISTS ${events} (thread_id TEXT NOT NULL, seq BIGINT NOT NULL, run_id TEXT NOT NULL, event TEXT NOT NULL, PRIMARY KEY (thread_id, seq));
    CREATE INDEX IF NOT EXISTS troupe_events_run ON ${events} (thread_id, run_id, seq);`;
}

/**
 * A thread's event log in PostgreSQL. Each append is one statement: it bumps the thread's counter
 * row (an upsert, which locks the row until the statement commits) and inserts the event under the
 * new value. Concurrent appenders on any connection queue on that row lock, so no two share a seq,
 * and seqs commit in order: a reader tailing with `afterSeq` never skips one committed later.
 */
export function postgresEvents(events: string, counters: string, query: Query): EventLog {
  return {
    async append(threadId, runId, event) {
      const [row] = await query<{ seq: string }>(
        `WITH counter AS (
           INSERT INTO ${counters} (thread_id, last_seq) VALUES ($1, 1)
           ON CONFLICT (thread_id) DO UPDATE SET last_seq = ${counters}.last_seq + 1
           RETURNING last_seq)
         INSERT INTO ${events} (thread_id, seq, run_id, event) SELECT $1, last_seq, $2, $3 FROM counter RETURNING seq`,
        [threadId, runId, JSON.stringify(event ?? null)],
      );
      return Number(row!.seq);
    },
    async read(threadId, options = {}) {
      const rows = await query<EventRow>(
        `SELECT seq, thread_id, run_id, event FROM ${events}
         WHERE thread_id = $1 AND seq > $2 AND ($3::text IS NULL OR run_id = $3) ORDER BY seq LIMIT $4`,
        [threadId, options.afterSeq ?? 0, options.runId ?? null, options.limit ?? null],
      );
      return rows.map((row) => ({
        seq: Number(row.seq),
        threadId: row.thread_id,
        runId: row.run_id,
        event: JSON.parse(row.event),
      }));
    },
  };
}
