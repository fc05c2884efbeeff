import Database from "better-sqlite3";
import type { RunnableConfig } from "@langchain/core/runnables";
import type {
  Checkpoint,
  CheckpointListOptions,
  CheckpointMetadata,
  CheckpointTuple,
  PendingWrite,
} from "@langchain/langgraph-checkpoint";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { TroupeError } from "@troupe/core";
import type { DocStore, RecordStore, ThreadStore } from "@troupe/core";
import type { TeamStore } from "@troupe/core";
import { docOf, threadOf, type DocRow, type ThreadRow } from "@troupe/core";
import { sqliteLeases } from "./sqlite-leases.js";
import { EVENTS_TABLE_SQL, sqliteEvents } from "./sqlite-events.js";
import { checkSqliteFile } from "./sqlite-file.js";
import { withFaults } from "@troupe/core";
import { sqliteFault } from "./sqlite-fault.js";

export const DEFAULT_STORE_PATH = ".troupe/checkpoints.sqlite";

/**
 * Checkpoints (LangGraph's SqliteSaver), recorded answers and thread metadata in one SQLite file.
 * The default file is `.troupe/checkpoints.sqlite` under the current directory. A path that cannot
 * hold a store is refused before SQLite opens it (STORE_INVALID: a special file, a directory, a
 * file that is not SQLite, is truncated, or is a SQLite database of something else;
 * STORE_PERMISSION: not writable), and every later failure is typed too (STORE_UNAVAILABLE:
 * locked, disk full, I/O error), each naming the file.
 *
 * @example
 * const store = sqliteStore(".troupe/checkpoints.sqlite");
 */
export function sqliteStore(path: string = DEFAULT_STORE_PATH): TeamStore {
  const file = checkSqliteFile(path);
  let db: Database.Database | undefined;
  try {
    db = new Database(file);
    return openedStore(db, file);
  } catch (error) {
    if (db?.open) db.close();
    throw sqliteFault(error, file);
  }
}

// Troupe's own tables; a database holding other tables but none of these belongs to something else
const TROUPE_TABLES = ["troupe_records", "troupe_docs", "troupe_threads", "troupe_leases"];

function openedStore(db: Database.Database, file: string): TeamStore {
  db.pragma("busy_timeout = 5000");
  const tables = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .all()
    .map((t) => t.name);
  if (tables.length && !tables.some((t) => TROUPE_TABLES.includes(t))) {
    const shown = tables.slice(0, 5).join(", ") + (tables.length > 5 ? `, ... (${tables.length} tables)` : "");
    throw new TroupeError(
      "STORE_INVALID",
      `store ${file} is a SQLite database of something else (tables: ${shown}), not a Troupe store; Troupe leaves it untouched. Pass --store <file> (or sqliteStore(path)) naming a Troupe store or a new file`,
      { details: { path: file, tables } },
    );
  }
  db.pragma("journal_mode = WAL");
  db.exec(`
    CREATE TABLE IF NOT EXISTS troupe_records (thread_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (thread_id, key));
    CREATE TABLE IF NOT EXISTS troupe_docs (kind TEXT NOT NULL, id TEXT NOT NULL, thread_id TEXT NOT NULL, body TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (kind, id));
    CREATE TABLE IF NOT EXISTS troupe_threads (thread_id TEXT PRIMARY KEY, spec TEXT NOT NULL, base_dir TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
    ${EVENTS_TABLE_SQL}
  `);
  const getRecord = db.prepare<[string, string], { value: string }>(
    "SELECT value FROM troupe_records WHERE thread_id = ? AND key = ?",
  );
  const putRecord = db.prepare("INSERT OR REPLACE INTO troupe_records (thread_id, key, value) VALUES (?, ?, ?)");
  const getThread = db.prepare<[string], ThreadRow>("SELECT * FROM troupe_threads WHERE thread_id = ?");
  const listThreads = db.prepare<[], ThreadRow>("SELECT * FROM troupe_threads ORDER BY updated_at DESC");
  const upsertThread = db.prepare(
    `INSERT INTO troupe_threads (thread_id, spec, base_dir, created_at, updated_at) VALUES (@threadId, @spec, @baseDir, @now, @now)
     ON CONFLICT(thread_id) DO UPDATE SET spec = excluded.spec, base_dir = excluded.base_dir, updated_at = excluded.updated_at`,
  );
  const putDoc = db.prepare(
    "INSERT OR REPLACE INTO troupe_docs (kind, id, thread_id, body, updated_at) VALUES (?, ?, ?, ?, ?)",
  );
  const getDoc = db.prepare<[string, string], DocRow>("SELECT * FROM troupe_docs WHERE kind = ? AND id = ?");
  const listDocs = db.prepare<[string], DocRow>("SELECT * FROM troupe_docs WHERE kind = ? ORDER BY updated_at");
  const listThreadDocs = db.prepare<[string, string], DocRow>(
    "SELECT * FROM troupe_docs WHERE kind = ? AND thread_id = ? ORDER BY updated_at",
  );
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
      upsertThread.run({
        threadId: info.threadId,
        spec: JSON.stringify(info.spec),
        baseDir: info.baseDir,
        now: new Date().toISOString(),
      });
    },
    async listThreads() {
      return listThreads.all().map(threadOf);
    },
  };
  const checkpointer = new FaultTypedSqliteSaver(db, file);
  checkpointer.setup();
  const fault = (error: unknown) => sqliteFault(error, file);
  return {
    kind: `sqlite:${file}`,
    checkpointer,
    records: withFaults(records, fault),
    threads: withFaults(threads, fault),
    docs: withFaults(docs, fault),
    leases: withFaults(sqliteLeases(db), fault),
    events: withFaults(sqliteEvents(db), fault),
    async close() {
      if (db.open) db.close();
    },
  };
}

/** SqliteSaver whose failures are typed store errors naming the file. */
class FaultTypedSqliteSaver extends SqliteSaver {
  private readonly file: string;

  constructor(db: Database.Database, file: string) {
    super(db);
    this.file = file;
  }

  override setup(): void {
    try {
      super.setup();
    } catch (error) {
      throw sqliteFault(error, this.file);
    }
  }

  override async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    return super.getTuple(config).catch((error: unknown) => Promise.reject(sqliteFault(error, this.file)));
  }

  override async *list(config: RunnableConfig, options?: CheckpointListOptions): AsyncGenerator<CheckpointTuple> {
    try {
      yield* super.list(config, options);
    } catch (error) {
      throw sqliteFault(error, this.file);
    }
  }

  override async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
  ): Promise<RunnableConfig> {
    return super
      .put(config, checkpoint, metadata)
      .catch((error: unknown) => Promise.reject(sqliteFault(error, this.file)));
  }

  override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    return super
      .putWrites(config, writes, taskId)
      .catch((error: unknown) => Promise.reject(sqliteFault(error, this.file)));
  }

  override async deleteThread(threadId: string): Promise<void> {
    return super.deleteThread(threadId).catch((error: unknown) => Promise.reject(sqliteFault(error, this.file)));
  }
}
