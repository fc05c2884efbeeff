import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { DocStore, RecordStore, ThreadStore } from "./record-store.js";

/** Everything a team persists: LangGraph checkpoints, recorded answers, and thread metadata. */
export interface TeamStore {
  readonly kind: string;
  readonly checkpointer: BaseCheckpointSaver;
  readonly records: RecordStore;
  readonly threads: ThreadStore;
  /** Dead letters, approvals, run status and control requests. */
  readonly docs: DocStore;
  close(): Promise<void>;
}
