import type { StoredDoc, ThreadInfo } from "./record-store.js";

/** A `troupe_docs` row, as the SQL stores keep it. */
export interface DocRow {
  kind: string;
  id: string;
  thread_id: string;
  body: string;
  updated_at: string;
}

/** A `troupe_threads` row, as the SQL stores keep it. */
export interface ThreadRow {
  thread_id: string;
  spec: string;
  base_dir: string;
  created_at: string;
  updated_at: string;
}

export function docOf(row: DocRow): StoredDoc {
  return { kind: row.kind, id: row.id, threadId: row.thread_id, body: JSON.parse(row.body), updatedAt: row.updated_at };
}

export function threadOf(row: ThreadRow): ThreadInfo {
  return {
    threadId: row.thread_id,
    spec: JSON.parse(row.spec),
    baseDir: row.base_dir,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
