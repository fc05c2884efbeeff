import pg from "pg";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type { RunnableConfig } from "@langchain/core/runnables";
import type {
  ChannelVersions,
  Checkpoint,
  CheckpointListOptions,
  CheckpointMetadata,
  CheckpointTuple,
  PendingWrite,
} from "@langchain/langgraph-checkpoint";
import { defaultLogger, ignored, logIgnored, TroupeError } from "@troupe/core";
import type { DocStore, RecordStore, ThreadStore } from "@troupe/core";
import type { TeamStore } from "@troupe/core";
import { docOf, threadOf, type DocRow, type ThreadRow } from "@troupe/core";
import { leaseTableSql, postgresLeases } from "./postgres-leases.js";
import { eventTablesSql, postgresEvents } from "./postgres-events.js";
import { withFaults } from "@troupe/core";
import { postgresFault } from "./postgres-fault.js";

export interface PostgresStoreOptions {
  /** Schema for LangGraph's checkpoint tables and Troupe's own (default "public"). */
  schema?: string;
  /** Most connections the pool opens (default 10). */
  maxConnections?: number;
}

/** A TeamStore in PostgreSQL; `ready()` resolves once the tables exist (every call waits for it anyway). */
export interface PostgresStore extends TeamStore {
  ready(): Promise<void>;
}

const SCHEMA = /^[a-z_][a-z0-9_]*$/;
// one lock id for "Troupe is migrating this database", so concurrent processes set up one at a time
const SETUP_LOCK = 7_306_011_512;

/**
 * Checkpoints (LangGraph's PostgresSaver), recorded answers, thread metadata and docs in
 * PostgreSQL, so every orchestrator of a cluster sees every thread. Tables are created on first use.
 *
 * @example
 * const store = postgresStore("postgres://troupe@db:5432/troupe");
 * const team = await loadTeam("team.yaml", { patterns: builtinPatterns, store });
 */
export function postgresStore(url: string, options: PostgresStoreOptions = {}): PostgresStore {
  const schema = options.schema ?? "public";
  if (!SCHEMA.test(schema))
    throw new TroupeError(
      "INPUT_INVALID",
      `schema "${schema}" is not a plain PostgreSQL identifier; use lowercase letters, digits and "_"`,
    );
  const shown = checkedUrl(url);
  const fault = (error: unknown) => postgresFault(error, shown);
  const pool = new pg.Pool({ connectionString: url, max: Math.max(2, options.maxConnections ?? 10) });
  // an idle connection the server dropped: the next query reconnects; without a listener the process would crash
  pool.on(
    "error",
    ignored(defaultLogger(), "the server dropped an idle connection; the next query reconnects", "warn"),
  );
  const t = (name: string) => `"${schema}"."${name}"`;
  const checkpointer = new ReadyPostgresSaver(pool, schema, fault);
  let setup: Promise<void> | undefined;
  const ready = () => {
    setup ??= (async () => {
      const client = await pool.connect().catch((error: unknown) => Promise.reject(fault(error)));
      try {
        await client.query("SELECT pg_advisory_lock($1)", [SETUP_LOCK]);
        await checkpointer.setup();
        await client.query(`
          CREATE TABLE IF NOT EXISTS ${t("troupe_records")} (thread_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (thread_id, key));
          CREATE TABLE IF NOT EXISTS ${t("troupe_docs")} (kind TEXT NOT NULL, id TEXT NOT NULL, thread_id TEXT NOT NULL, body TEXT NOT NULL, updated_at TEXT NOT NULL, touched TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(), PRIMARY KEY (kind, id));
          CREATE INDEX IF NOT EXISTS troupe_docs_thread ON ${t("troupe_docs")} (kind, thread_id);
          CREATE TABLE IF NOT EXISTS ${t("troupe_threads")} (thread_id TEXT PRIMARY KEY, spec TEXT NOT NULL, base_dir TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
          ${leaseTableSql(t("troupe_leases"))}
          ${eventTablesSql(t("troupe_events"), t("troupe_event_seqs"))}
        `);
      } catch (error) {
        throw fault(error);
      } finally {
        // the lock goes with the session if the connection is gone; nothing to undo then
        await client
          .query("SELECT pg_advisory_unlock($1)", [SETUP_LOCK])
          .catch(ignored(defaultLogger(), "the setup lock goes with the session when the connection is gone"));
        client.release();
      }
    })();
    // a failed setup (database down) is tried again by the next call
    setup.catch((error: unknown) => {
      logIgnored(defaultLogger(), error, "the setup's caller gets its failure; the next call tries the setup again");
      setup = undefined;
    });
    return setup;
  };
  checkpointer.ready = ready;
  const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> => {
    await ready();
    return (await pool.query<R>(text, values).catch((error: unknown) => Promise.reject(fault(error)))).rows;
  };
  const now = () => new Date().toISOString();
  const records: RecordStore = {
    async get(threadId, key) {
      const [row] = await query<{ value: string }>(
        `SELECT value FROM ${t("troupe_records")} WHERE thread_id = $1 AND key = $2`,
        [threadId, key],
      );
      return row ? JSON.parse(row.value) : undefined;
    },
    async put(threadId, key, value) {
      await query(
        `INSERT INTO ${t("troupe_records")} (thread_id, key, value) VALUES ($1, $2, $3) ON CONFLICT (thread_id, key) DO UPDATE SET value = excluded.value`,
        [threadId, key, JSON.stringify(value ?? null)],
      );
    },
  };
  const threads: ThreadStore = {
    async getThread(threadId) {
      const [row] = await query<ThreadRow>(`SELECT * FROM ${t("troupe_threads")} WHERE thread_id = $1`, [threadId]);
      return row ? threadOf(row) : undefined;
    },
    async saveThread(info) {
      await query(
        `INSERT INTO ${t("troupe_threads")} (thread_id, spec, base_dir, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (thread_id) DO UPDATE SET spec = excluded.spec, base_dir = excluded.base_dir, updated_at = excluded.updated_at`,
        [info.threadId, JSON.stringify(info.spec), info.baseDir, now()],
      );
    },
    async listThreads() {
      return (await query<ThreadRow>(`SELECT * FROM ${t("troupe_threads")} ORDER BY updated_at DESC`, [])).map(
        threadOf,
      );
    },
  };
  const docs: DocStore = {
    async put(kind, id, threadId, body) {
      const text = JSON.stringify(body ?? null);
      const at = now();
      await query(
        `INSERT INTO ${t("troupe_docs")} (kind, id, thread_id, body, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (kind, id) DO UPDATE SET thread_id = excluded.thread_id, body = excluded.body, updated_at = excluded.updated_at, touched = clock_timestamp()`,
        [kind, id, threadId, text, at],
      );
    },
    async get(kind, id) {
      const [row] = await query<DocRow>(`SELECT * FROM ${t("troupe_docs")} WHERE kind = $1 AND id = $2`, [kind, id]);
      return row ? docOf(row) : undefined;
    },
    async list(kind, threadId) {
      const rows =
        threadId === undefined
          ? await query<DocRow>(`SELECT * FROM ${t("troupe_docs")} WHERE kind = $1 ORDER BY touched`, [kind])
          : await query<DocRow>(
              `SELECT * FROM ${t("troupe_docs")} WHERE kind = $1 AND thread_id = $2 ORDER BY touched`,
              [kind, threadId],
            );
      return rows.map(docOf);
    },
    async delete(kind, id) {
      await query(`DELETE FROM ${t("troupe_docs")} WHERE kind = $1 AND id = $2`, [kind, id]);
    },
  };
  let closed: Promise<void> | undefined;
  return {
    kind: `postgres:${shown}`,
    checkpointer,
    records,
    threads,
    docs,
    leases: withFaults(postgresLeases(t("troupe_leases"), query), fault),
    events: postgresEvents(t("troupe_events"), t("troupe_event_seqs"), query),
    ready,
    close: () => (closed ??= pool.end()),
  };
}

/** PostgresSaver that makes sure the tables exist before its first query. */
class ReadyPostgresSaver extends PostgresSaver {
  ready: () => Promise<void> = async () => undefined;
  private readonly fault: (error: unknown) => unknown;

  constructor(pool: pg.Pool, schema: string, fault: (error: unknown) => unknown) {
    super(pool, undefined, { schema });
    this.fault = fault;
  }

  override async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    await this.ready();
    return super.getTuple(config).catch((error: unknown) => Promise.reject(this.fault(error)));
  }

  override async *list(config: RunnableConfig, options?: CheckpointListOptions): AsyncGenerator<CheckpointTuple> {
    await this.ready();
    try {
      yield* super.list(config, options);
    } catch (error) {
      throw this.fault(error);
    }
  }

  override async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    await this.ready();
    return super
      .put(config, checkpoint, metadata, newVersions)
      .catch((error: unknown) => Promise.reject(this.fault(error)));
  }

  override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    await this.ready();
    return super.putWrites(config, writes, taskId).catch((error: unknown) => Promise.reject(this.fault(error)));
  }

  override async deleteThread(threadId: string): Promise<void> {
    await this.ready();
    return super.deleteThread(threadId).catch((error: unknown) => Promise.reject(this.fault(error)));
  }
}

/**
 * The URL without its password, for messages; throws STORE_INVALID when it is not a PostgreSQL
 * URL pg can use (checked here, before the pool tries it on every call).
 */
function checkedUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new TroupeError(
      "STORE_INVALID",
      `store URL ${JSON.stringify(url.replace(/:[^:@/]*@/, ":***@"))} is not a valid URL; write it as postgres://user:password@host:5432/database`,
      { cause: error },
    );
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new TroupeError(
      "STORE_INVALID",
      `store URL ${redact(url)} is not a PostgreSQL URL (it starts with ${parsed.protocol}); write it as postgres://user:password@host:5432/database`,
    );
  }
  return redact(url);
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    // not an error to report: the URL's own check reports it; this only keeps secrets out of messages
    return "(unparsable url)";
  }
}
