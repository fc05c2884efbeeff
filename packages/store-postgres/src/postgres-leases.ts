import type pg from "pg";
import type { LeaseStore, ThreadLease } from "@troupe/core";

type Query = <R extends pg.QueryResultRow>(text: string, values: unknown[]) => Promise<R[]>;

interface LeaseRow {
  thread_id: string;
  owner: string;
  host: string;
  pid: number;
  purpose: string;
  acquired_at: Date;
  heartbeat_at: Date;
  expires_at: Date;
}

/** The leases table, created with the store's other tables. */
export function leaseTableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (thread_id TEXT PRIMARY KEY, owner TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,
    purpose TEXT NOT NULL, acquired_at TIMESTAMPTZ NOT NULL, heartbeat_at TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ NOT NULL);`;
}

/**
 * Thread leases in PostgreSQL, timed by the database's clock so every machine agrees on expiry.
 * `acquire` is one conditional upsert: of two callers, exactly one gets a row back.
 */
export function postgresLeases(table: string, query: Query): LeaseStore {
  const ms = "* interval '1 millisecond'";
  return {
    async acquire(threadId, claim, ttlMs, takeOver) {
      for (;;) {
        const taken = await query(
          `INSERT INTO ${table} AS l (thread_id, owner, host, pid, purpose, acquired_at, heartbeat_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, clock_timestamp(), clock_timestamp(), clock_timestamp() + $6::int ${ms})
           ON CONFLICT (thread_id) DO UPDATE SET owner = excluded.owner, host = excluded.host, pid = excluded.pid, purpose = excluded.purpose,
             acquired_at = CASE WHEN l.owner = excluded.owner THEN l.acquired_at ELSE excluded.acquired_at END,
             heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at
           WHERE l.expires_at <= clock_timestamp() OR l.owner = excluded.owner OR l.owner = $7
           RETURNING thread_id`,
          [threadId, claim.owner, claim.host, claim.pid, claim.purpose, Math.round(ttlMs), takeOver ?? null],
        );
        if (taken.length) return { acquired: true };
        const [row] = await query<LeaseRow>(`SELECT * FROM ${table} WHERE thread_id = $1`, [threadId]);
        // released between the two statements: try again
        if (row) return { acquired: false, holder: leaseOf(row) };
      }
    },
    async renew(threadId, owner, ttlMs) {
      const rows = await query(
        `UPDATE ${table} SET heartbeat_at = clock_timestamp(), expires_at = clock_timestamp() + $3::int ${ms} WHERE thread_id = $1 AND owner = $2 RETURNING thread_id`,
        [threadId, owner, Math.round(ttlMs)],
      );
      return rows.length > 0;
    },
    async release(threadId, owner) {
      await query(`DELETE FROM ${table} WHERE thread_id = $1 AND owner = $2`, [threadId, owner]);
    },
    async get(threadId) {
      const [row] = await query<LeaseRow>(`SELECT * FROM ${table} WHERE thread_id = $1`, [threadId]);
      return row ? leaseOf(row) : undefined;
    },
  };
}

function leaseOf(row: LeaseRow): ThreadLease {
  return {
    threadId: row.thread_id,
    owner: row.owner,
    host: row.host,
    pid: Number(row.pid),
    purpose: row.purpose,
    acquiredAt: new Date(row.acquired_at).toISOString(),
    heartbeatAt: new Date(row.heartbeat_at).toISOString(),
    expiresAt: new Date(row.expires_at).toISOString(),
  };
}
