import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { TroupeError } from "../errors.js";
import { defaultLogger, logIgnored, type Logger } from "../logging/logger.js";
import { describeHolder, leaseIsLive, type LeaseSettings, type LeaseStore, type ThreadLease } from "./thread-lease.js";

/** A lease this process holds: renewed in the background until released. */
export interface HeldLease {
  /** Aborts when a heartbeat finds the lease taken by someone else (this process stalled past its TTL). */
  readonly lost: AbortSignal;
  /** The lease this one replaced: a holder that stopped heartbeating or died (undefined when the thread was free). */
  readonly previous?: ThreadLease;
  release(): Promise<void>;
}

export interface TakeLeaseOptions {
  owner: string;
  purpose: string;
  settings: LeaseSettings;
  /** Wait this long (ms; Infinity for no limit) for a busy thread instead of failing at once. */
  waitMs?: number;
  signal?: AbortSignal;
  /** Hears failed heartbeats (default: defaultLogger()). */
  logger?: Logger;
}

/**
 * Takes a thread's lease for one piece of work and keeps it renewed. A busy thread throws
 * THREAD_BUSY naming its holder (or, with `waitMs`, is polled until free). A holder that stopped
 * heartbeating, or a dead process on this host, is taken over.
 *
 * @example
 * const lease = await takeLease(store.leases, "t-1", { owner: runId, purpose: "run", settings: leaseSettings() });
 * try { ... } finally { await lease.release(); }
 */
export async function takeLease(leases: LeaseStore, threadId: string, options: TakeLeaseOptions): Promise<HeldLease> {
  const claim = { owner: options.owner, host: hostname(), pid: process.pid, purpose: options.purpose };
  const until = Date.now() + (options.waitMs ?? 0);
  let previous: ThreadLease | undefined;
  for (;;) {
    previous = await leases.get(threadId);
    options.signal?.throwIfAborted();
    const first = await leases.acquire(threadId, claim, options.settings.ttlMs);
    // a holder known to be dead (its pid is gone from this host) need not wait out its TTL
    const outcome =
      first.acquired || leaseIsLive(first.holder)
        ? first
        : await leases.acquire(threadId, claim, options.settings.ttlMs, first.holder.owner);
    if (outcome.acquired) break;
    if (Date.now() >= until) throw busyError(threadId, outcome.holder);
    await sleep(
      Math.min(250, options.settings.heartbeatMs),
      undefined,
      options.signal ? { signal: options.signal } : {},
    );
  }
  const lost = new AbortController();
  const beat = setInterval(() => {
    leases.renew(threadId, options.owner, options.settings.ttlMs).then(
      (held) => {
        if (!held)
          lost.abort(
            new TroupeError(
              "LEASE_LOST",
              `this process lost thread "${threadId}" to another owner (it stalled past the lease TTL); the other owner carries on`,
            ),
          );
      },
      (error: unknown) =>
        logIgnored(
          options.logger ?? defaultLogger(),
          error,
          "a store hiccup: the next heartbeat tries again, and the TTL covers the gap",
        ),
    );
  }, options.settings.heartbeatMs);
  beat.unref();
  let released: Promise<void> | undefined;
  return {
    lost: lost.signal,
    ...(previous && previous.owner !== options.owner ? { previous } : {}),
    release: () => {
      clearInterval(beat);
      released ??= leases.release(threadId, options.owner);
      return released;
    },
  };
}

function busyError(threadId: string, holder: ThreadLease): TroupeError {
  return new TroupeError(
    "THREAD_BUSY",
    `thread "${threadId}" is busy: ${describeHolder(holder)} has held it for a ${holder.purpose} since ${holder.acquiredAt}; ` +
      `wait for it (--wait, or RunOptions.wait), follow it with troupe status ${threadId}, or use another thread`,
    { details: { holder } },
  );
}
