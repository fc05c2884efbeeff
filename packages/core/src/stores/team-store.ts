import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { DocStore, RecordStore, ThreadStore } from "./record-store.js";
import type { EventLog } from "./event-log.js";
import type { LeaseStore } from "./thread-lease.js";

/** Everything a team persists: LangGraph checkpoints, recorded answers, and thread metadata. */
export interface TeamStore {
  readonly kind: string;
  readonly checkpointer: BaseCheckpointSaver;
  readonly records: RecordStore;
  readonly threads: ThreadStore;
  /** Dead letters, approvals, run status and control requests. */
  readonly docs: DocStore;
  /** Who runs each thread now: one active run per thread, across processes (see ThreadLease). */
  readonly leases: LeaseStore;
  /** Every event of every run, appended in order with a per-thread sequence number (see EventLog). */
  readonly events: EventLog;
  close(): Promise<void>;
}
