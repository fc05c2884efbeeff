import type Database from "better-sqlite3";
import { leaseRow, mayTake, type LeaseStore, type ThreadLease } from "@troupe/core";

interface LeaseRow {
  thread_id: string;
  owner: string;
  host: string;
  pid: number;
  purpose: string;
  acquired_at: string;
  heartbeat_at: string;
  expires_at: string;
}

/**
 * Thread leases in the team's SQLite file. `acquire` runs in an IMMEDIATE transaction, so two
 * processes on one file cannot both take a thread.
 */
export function sqliteLeases(db: Database.Database): LeaseStore {
  db.exec(`CREATE TABLE IF NOT EXISTS troupe_leases (thread_id TEXT PRIMARY KEY, owner TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,
    purpose TEXT NOT NULL, acquired_at TEXT NOT NULL, heartbeat_at TEXT NOT NULL, expires_at TEXT NOT NULL)`);
  const get = db.prepare<[string], LeaseRow>("SELECT * FROM troupe_leases WHERE thread_id = ?");
  const put = db.prepare(
    `INSERT OR REPLACE INTO troupe_leases (thread_id, owner, host, pid, purpose, acquired_at, heartbeat_at, expires_at)
     VALUES (@threadId, @owner, @host, @pid, @purpose, @acquiredAt, @heartbeatAt, @expiresAt)`,
  );
  const renew = db.prepare(
    "UPDATE troupe_leases SET heartbeat_at = ?, expires_at = ? WHERE thread_id = ? AND owner = ?",
  );
  const release = db.prepare("DELETE FROM troupe_leases WHERE thread_id = ? AND owner = ?");
  const acquire = db.transaction(
    (threadId: string, claim: Parameters<LeaseStore["acquire"]>[1], ttlMs: number, takeOver?: string) => {
      const now = Date.now();
      const row = get.get(threadId);
      const existing = row ? leaseOf(row) : undefined;
      if (!mayTake(existing, claim.owner, now, takeOver)) return { acquired: false as const, holder: existing! };
      put.run(leaseRow(threadId, claim, ttlMs, now, existing?.owner === claim.owner ? existing.acquiredAt : undefined));
      return { acquired: true as const };
    },
  );
  return {
    async acquire(threadId, claim, ttlMs, takeOver) {
      return acquire.immediate(threadId, claim, ttlMs, takeOver);
    },
    async renew(threadId, owner, ttlMs) {
      const now = Date.now();
      return renew.run(new Date(now).toISOString(), new Date(now + ttlMs).toISOString(), threadId, owner).changes > 0;
    },
    async release(threadId, owner) {
      release.run(threadId, owner);
    },
    async get(threadId) {
      const row = get.get(threadId);
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
    acquiredAt: row.acquired_at,
    heartbeatAt: row.heartbeat_at,
    expiresAt: row.expires_at,
  };
}
