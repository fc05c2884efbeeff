/**
 * Keeps what a run learned from the outside world (agent answers, tool results) beside the
 * checkpoints, so replay and resume never ask twice. Keys are scoped by thread.
 */
export interface RecordStore {
  get(threadId: string, key: string): Promise<unknown>;
  put(threadId: string, key: string, value: unknown): Promise<void>;
}

/** Where a thread's team came from, so `troupe history` and `replay` can rebuild it. */
export interface ThreadInfo {
  threadId: string;
  spec: Record<string, unknown>;
  /** Directory the spec's imports are relative to. */
  baseDir: string;
  createdAt: string;
  updatedAt: string;
}

export interface ThreadStore {
  getThread(threadId: string): Promise<ThreadInfo | undefined>;
  saveThread(info: Omit<ThreadInfo, "createdAt" | "updatedAt">): Promise<void>;
  listThreads(): Promise<ThreadInfo[]>;
}

/** A stored document: dead letters, approvals, run status and control requests are kinds of these. */
export interface StoredDoc<T = unknown> {
  kind: string;
  id: string;
  threadId: string;
  body: T;
  updatedAt: string;
}

/** Small typed documents kept beside the checkpoints. */
export interface DocStore {
  put(kind: string, id: string, threadId: string, body: unknown): Promise<void>;
  get(kind: string, id: string): Promise<StoredDoc | undefined>;
  list(kind: string, threadId?: string): Promise<StoredDoc[]>;
  delete(kind: string, id: string): Promise<void>;
}

/** A thread's records: recorded model answers, tool results and approval decisions, by key. */
export interface ScopedRecords {
  get(key: string): Promise<unknown>;
  put(key: string, value: unknown): Promise<void>;
}

/** A record store narrowed to one thread. */
export function scoped(records: RecordStore, threadId: string): ScopedRecords {
  return { get: (key) => records.get(threadId, key), put: (key, value) => records.put(threadId, key, value) };
}
