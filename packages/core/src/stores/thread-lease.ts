import { hostname } from "node:os";

/** Who runs a thread right now: one lease per thread, renewed by heartbeats, lapsed when they stop. */
export interface ThreadLease {
  threadId: string;
  /** The run (or other work) holding the lease. */
  owner: string;
  host: string;
  pid: number;
  /** What the owner does: run, resume, replay, redrive, cancel, approve. */
  purpose: string;
  acquiredAt: string;
  heartbeatAt: string;
  expiresAt: string;
}

/** What a caller claims a lease with. */
export type LeaseClaim = Pick<ThreadLease, "owner" | "host" | "pid" | "purpose">;

/**
 * Thread leases beside the checkpoints. `acquire` is atomic in every store: of two callers, one
 * gets the lease and the other sees the holder.
 */
export interface LeaseStore {
  /**
   * Takes the thread's lease when nobody holds it, the holder's lease expired, the caller already
   * holds it, or the holder is `takeOver` (an owner known to be dead). Otherwise returns the holder.
   */
  acquire(
    threadId: string,
    claim: LeaseClaim,
    ttlMs: number,
    takeOver?: string,
  ): Promise<{ acquired: true } | { acquired: false; holder: ThreadLease }>;
  /** Extends the caller's lease; false when the caller no longer holds it. */
  renew(threadId: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up (no-op when the caller does not hold it). */
  release(threadId: string, owner: string): Promise<void>;
  /** The thread's lease, expired or not (an expired one tells who stopped heartbeating, and when). */
  get(threadId: string): Promise<ThreadLease | undefined>;
}

/** Lease timing: how long a lease lasts without a heartbeat, and how often the holder renews it. */
export interface LeaseSettings {
  /** A lease not renewed for this long lapses and the thread counts as interrupted (default 15 000 ms). */
  ttlMs: number;
  /** How often the holder renews (default a third of ttlMs). */
  heartbeatMs: number;
}

export const DEFAULT_LEASE: LeaseSettings = { ttlMs: 15_000, heartbeatMs: 5_000 };

/** Lease settings from partial options, else TROUPE_LEASE_TTL_MS, else the defaults. */
export function leaseSettings(
  options: Partial<LeaseSettings> = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): LeaseSettings {
  const fromEnv = Number(env.TROUPE_LEASE_TTL_MS);
  const ttlMs = options.ttlMs ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_LEASE.ttlMs);
  return { ttlMs, heartbeatMs: options.heartbeatMs ?? Math.max(50, Math.floor(ttlMs / 3)) };
}

/** Whether the lease's holder still counts as alive: not expired, and not a dead process on this host. */
export function leaseIsLive(lease: ThreadLease, now: number = Date.now()): boolean {
  if (Date.parse(lease.expiresAt) <= now) return false;
  return !(lease.host === hostname() && !processAlive(lease.pid));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** "pid 4242 on host x" */
export function describeHolder(lease: ThreadLease): string {
  return `pid ${lease.pid} on host ${lease.host}`;
}

/** A lease row as the memory and SQLite stores build it. */
export function leaseRow(
  threadId: string,
  claim: LeaseClaim,
  ttlMs: number,
  now: number,
  acquiredAt?: string,
): ThreadLease {
  const at = new Date(now).toISOString();
  return {
    threadId,
    ...claim,
    acquiredAt: acquiredAt ?? at,
    heartbeatAt: at,
    expiresAt: new Date(now + ttlMs).toISOString(),
  };
}

/** Whether `owner` may take a thread whose lease is `existing` (absent, expired, its own, or a known-dead holder's). */
export function mayTake(existing: ThreadLease | undefined, owner: string, now: number, takeOver?: string): boolean {
  return !existing || existing.owner === owner || existing.owner === takeOver || Date.parse(existing.expiresAt) <= now;
}

/**
 * Leases in one process's memory (memoryStore). Operations are synchronous under the hood, so
 * `acquire` is atomic.
 */
export function memoryLeases(): LeaseStore {
  const leases = new Map<string, ThreadLease>();
  return {
    async acquire(threadId, claim, ttlMs, takeOver) {
      const now = Date.now();
      const existing = leases.get(threadId);
      if (!mayTake(existing, claim.owner, now, takeOver)) return { acquired: false, holder: { ...existing! } };
      leases.set(
        threadId,
        leaseRow(threadId, claim, ttlMs, now, existing?.owner === claim.owner ? existing.acquiredAt : undefined),
      );
      return { acquired: true };
    },
    async renew(threadId, owner, ttlMs) {
      const existing = leases.get(threadId);
      if (existing?.owner !== owner) return false;
      const now = Date.now();
      leases.set(threadId, {
        ...existing,
        heartbeatAt: new Date(now).toISOString(),
        expiresAt: new Date(now + ttlMs).toISOString(),
      });
      return true;
    },
    async release(threadId, owner) {
      if (leases.get(threadId)?.owner === owner) leases.delete(threadId);
    },
    async get(threadId) {
      const lease = leases.get(threadId);
      return lease && { ...lease };
    },
  };
}
