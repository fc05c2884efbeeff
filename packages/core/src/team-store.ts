import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { RecordStore, ThreadStore } from "./record-store.js";

/** Everything a team persists: LangGraph checkpoints, recorded answers, and thread metadata. */
export interface TeamStore {
  readonly kind: string;
  readonly checkpointer: BaseCheckpointSaver;
  readonly records: RecordStore;
  readonly threads: ThreadStore;
  close(): Promise<void>;
}
