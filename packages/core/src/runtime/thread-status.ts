import { readRunStatus, type RunStatusInfo } from "./run-lifecycle.js";
import type { RunState } from "../protocol/team-state.js";
import type { TeamStore } from "../stores/team-store.js";
import { describeHolder, leaseIsLive, type ThreadLease } from "../stores/thread-lease.js";

/** Where a thread's latest run stands, and who runs it now. */
export interface ThreadStatus extends RunStatusInfo {
  /** The live holder of the thread's lease, while a run goes on. */
  owner?: ThreadLease;
  /**
   * Set when the run was left running or compensating by an owner that stopped heartbeating
   * (killed, or its machine lost): `state` is then "interrupted" and `stalled` is what it was doing.
   * `lease` is the lapsed lease, when one is left.
   */
  ownerLost?: { stalled: RunState; lease?: ThreadLease; summary: string };
}

/**
 * The lifecycle state of the thread's latest run, corrected by its lease: "running" with nobody
 * heartbeating is reported as "interrupted" (resume finishes it, cancel undoes it).
 *
 * @example
 * const status = await threadStatus(store, "t-1");
 * if (status?.ownerLost) console.log(status.ownerLost.summary);
 */
export async function threadStatus(
  store: Pick<TeamStore, "docs" | "leases">,
  threadId: string,
): Promise<ThreadStatus | undefined> {
  const [status, lease] = await Promise.all([readRunStatus(store.docs, threadId), store.leases.get(threadId)]);
  if (!status) return undefined;
  const live = lease && leaseIsLive(lease) ? lease : undefined;
  if (live) return { ...status, owner: live };
  if (status.state !== "running" && status.state !== "compensating") return status;
  const who = lease
    ? `owner ${describeHolder(lease)} stopped heartbeating at ${lease.heartbeatAt}`
    : "its owner stopped without a trace";
  return {
    ...status,
    state: "interrupted",
    ownerLost: {
      stalled: status.state,
      ...(lease ? { lease } : {}),
      summary: `${who} while ${status.state}; troupe resume ${threadId} finishes it, troupe cancel ${threadId} undoes it`,
    },
  };
}
