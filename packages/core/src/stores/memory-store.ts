import { MemorySaver } from "@langchain/langgraph-checkpoint";
import type { DocStore, RecordStore, StoredDoc, ThreadInfo, ThreadStore } from "./record-store.js";
import type { TeamStore } from "./team-store.js";
import { memoryLeases } from "./thread-lease.js";
import { memoryEventLog } from "./event-log.js";

/**
 * Keeps checkpoints, records and threads in memory: for tests and throwaway runs.
 *
 * @example
 * const team = supervisor({ ..., store: memoryStore() });
 */
export function memoryStore(): TeamStore {
  const records = new Map<string, unknown>();
  const threads = new Map<string, ThreadInfo>();
  const recordStore: RecordStore = {
    async get(threadId, key) {
      const value = records.get(`${threadId}\u0000${key}`);
      return value === undefined ? undefined : structuredClone(value);
    },
    async put(threadId, key, value) {
      records.set(`${threadId}\u0000${key}`, structuredClone(value));
    },
  };
  const threadStore: ThreadStore = {
    async getThread(threadId) {
      return threads.get(threadId);
    },
    async saveThread(info) {
      const now = new Date().toISOString();
      const prior = threads.get(info.threadId);
      threads.set(info.threadId, { ...info, createdAt: prior?.createdAt ?? now, updatedAt: now });
    },
    async listThreads() {
      return [...threads.values()];
    },
  };
  const docs = new Map<string, StoredDoc>();
  const docStore: DocStore = {
    async put(kind, id, threadId, body) {
      docs.set(`${kind}\u0000${id}`, {
        kind,
        id,
        threadId,
        body: structuredClone(body),
        updatedAt: new Date().toISOString(),
      });
    },
    async get(kind, id) {
      const doc = docs.get(`${kind}\u0000${id}`);
      return doc && structuredClone(doc);
    },
    async list(kind, threadId) {
      return [...docs.values()]
        .filter((d) => d.kind === kind && (threadId === undefined || d.threadId === threadId))
        .map((d) => structuredClone(d));
    },
    async delete(kind, id) {
      docs.delete(`${kind}\u0000${id}`);
    },
  };
  return {
    kind: "memory",
    checkpointer: new MemorySaver(),
    records: recordStore,
    threads: threadStore,
    docs: docStore,
    leases: memoryLeases(),
    events: memoryEventLog(),
    async close() {},
  };
}
