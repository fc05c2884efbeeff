import { resolve } from "node:path";
import { type TeamStore } from "@troupe/core";
import { DEFAULT_STORE_PATH, sqliteStore } from "@troupe/store-sqlite";
import { postgresStore } from "@troupe/store-postgres";
import type { CliIO } from "./cli-io.js";

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;

/** True when `--store` names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(store: string | undefined): store is string {
  return store !== undefined && POSTGRES_URL.test(store);
}

/**
 * The store `--store` names: `postgres://...` (or `postgresql://`) opens PostgreSQL, anything else
 * is a SQLite file relative to the working directory (default .troupe/checkpoints.sqlite).
 *
 * @example
 * const store = openStore("postgres://troupe@db/troupe", io);
 */
export function openStore(store: string | undefined, io: CliIO): TeamStore {
  if (isPostgresUrl(store)) return postgresStore(store);
  return sqliteStore(resolve(io.cwd, store ?? DEFAULT_STORE_PATH));
}
