import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import type { DocStore, RecordStore, ThreadStore } from "./record-store.js";
import type { TeamStore } from "./team-store.js";
import { docOf, threadOf, type DocRow, type ThreadRow } from "./store-rows.js";
import { sqliteLeases } from "./sqlite-leases.js";

export const DEFAULT_STORE_PATH = ".troupe/checkpoints.sqlite";

/**
 * Checkpoints (LangGraph's SqliteSaver), recorded answers and thread metadata in one SQLite file.
 * The default file is `.troupe/checkpoints.sqlite` under the current directory.
 *
 * @example
 * const store = sqliteStore(".troupe/checkpoints.sqlite");
 */
export function sqliteStore(path: string = DEFAULT_STORE_PATH): TeamStore {
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("busy_timeout = 5000");
  db.exec(`
    CREATE TABLE IF NOT EXISTS troupe_records (thread_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (thread_id, key));
    CREATE TABLE IF NOT EXISTS troupe_docs (kind TEXT NOT NULL, id TEXT NOT NULL, thread_id TEXT NOT NULL, body TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (kind, id));
    CREATE TABLE IF NOT EXISTS troupe_threads (thread_id TEXT PRIMARY KEY, spec TEXT NOT NULL, base_dir TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
  `);
  const getRecord = db.prepare<[string, string], { value: string }>("SELECT value FROM troupe_records WHERE thread_id = ? AND key = ?");
  const putRecord = db.prepare("INSERT OR REPLACE INTO troupe_records (thread_id, key, value) VALUES (?, ?, ?)");
  const getThread = db.prepare<[string], ThreadRow>("SELECT * FROM troupe_threads WHERE thread_id = ?");
  const listThreads = db.prepare<[], ThreadRow>("SELECT * FROM troupe_threads ORDER BY updated_at DESC");
  const upsertThread = db.prepare(
    `INSERT INTO troupe_threads (thread_id, spec, base_dir, created_at, updated_at) VALUES (@threadId, @spec, @baseDir, @now, @now)
     ON CONFLICT(thread_id) DO UPDATE SET spec = excluded.spec, base_dir = excluded.base_dir, updated_at = excluded.updated_at`,
  );
  const putDoc = db.prepare("INSERT OR REPLACE INTO troupe_docs (kind, id, thread_id, body, updated_at) VALUES (?, ?, ?, ?, ?)");
  const getDoc = db.prepare<[string, string], DocRow>("SELECT * FROM troupe_docs WHERE kind = ? AND id = ?");
  const listDocs = db.prepare<[string], DocRow>("SELECT * FROM troupe_docs WHERE kind = ? ORDER BY updated_at");
  const listThreadDocs = db.prepare<[string, string], DocRow>("SELECT * FROM troupe_docs WHERE kind = ? AND thread_id = ? ORDER BY updated_at");
  const deleteDoc = db.prepare("DELETE FROM troupe_docs WHERE kind = ? AND id = ?");
  const docs: DocStore = {
    async put(kind, id, threadId, body) {
      putDoc.run(kind, id, threadId, JSON.stringify(body ?? null), new Date().toISOString());
    },
    async get(kind, id) {
      const row = getDoc.get(kind, id);
      return row ? docOf(row) : undefined;
    },
    async list(kind, threadId) {
      return (threadId === undefined ? listDocs.all(kind) : listThreadDocs.all(kind, threadId)).map(docOf);
    },
    async delete(kind, id) {
      deleteDoc.run(kind, id);
    },
  };
  const records: RecordStore = {
    async get(threadId, key) {
      const row = getRecord.get(threadId, key);
      return row ? JSON.parse(row.value) : undefined;
    },
    async put(threadId, key, value) {
      putRecord.run(threadId, key, JSON.stringify(value ?? null));
    },
  };
  const threads: ThreadStore = {
    async getThread(threadId) {
      const row = getThread.get(threadId);
      return row ? threadOf(row) : undefined;
    },
    async saveThread(info) {
      upsertThread.run({ threadId: info.threadId, spec: JSON.stringify(info.spec), baseDir: info.baseDir, now: new Date().toISOString() });
    },
    async listThreads() {
      return listThreads.all().map(threadOf);
    },
  };
  const checkpointer = new SqliteSaver(db);
  return {
    kind: `sqlite:${file}`,
    checkpointer,
    records,
    threads,
    docs,
    leases: sqliteLeases(db),
    async close() {
      if (db.open) db.close();
    },
  };
}
