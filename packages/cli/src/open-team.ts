import { DeadLetters, TroupeError, type Team } from "@troupe/core";
import { DEFAULT_STORE_PATH } from "@troupe/store-sqlite";
import { loadTeam } from "@troupe/patterns";
import { dirname, resolve } from "node:path";
import type { CliIO } from "./cli-io.js";
import { isPostgresUrl, openStore } from "./open-store.js";
import { allowedImports, type ImportFlags } from "./allowed-imports.js";

export interface StoreFlags extends ImportFlags {
  store?: string | undefined;
  model?: string | undefined;
  /** Keep nothing on disk (for commands that only look at a spec). */
  memory?: boolean;
}

export function storePath(flags: StoreFlags, io: CliIO): string {
  if (isPostgresUrl(flags.store)) return flags.store;
  return resolve(io.cwd, flags.store ?? DEFAULT_STORE_PATH);
}

/** Loads a team from a spec file with the CLI's store and model choices. */
export function openSpec(specPath: string, flags: StoreFlags, io: CliIO, notice = true): Promise<Team> {
  const file = resolve(io.cwd, specPath);
  return loadTeam(file, {
    store: openStore(flags.store, io),
    allowImports: allowedImports(dirname(file), flags, io),
    env: io.env,
    ...(flags.model ? { model: flags.model } : {}),
    ...(notice ? { onNotice: (m: string) => io.err(`note: ${m}`) } : {}),
  });
}

/** Rebuilds the team a thread was run with, from the spec stored beside its checkpoints. */
export async function openThread(threadId: string, flags: StoreFlags, io: CliIO, notice = true): Promise<Team> {
  const path = storePath(flags, io);
  const store = openStore(flags.store, io);
  const info = await store.threads.getThread(threadId);
  if (!info) {
    await store.close();
    throw new TroupeError(
      "THREAD_UNKNOWN",
      `unknown thread "${threadId}" in ${path}; list threads with: troupe threads${flags.store ? ` --store ${flags.store}` : ""}`,
    );
  }
  return loadTeam(
    { raw: info.spec, baseDir: info.baseDir },
    {
      store,
      env: io.env,
      allowImports: allowedImports(info.baseDir, flags, io),
      ...(flags.model ? { model: flags.model } : {}),
      ...(notice ? { onNotice: (m: string) => io.err(`note: ${m}`) } : {}),
    },
  );
}

/**
 * A team for store-wide commands (the dead-letter queue): rebuilt from the most recent thread,
 * since every thread in a store shares its dead letters.
 */
export async function openAnyThread(flags: StoreFlags, io: CliIO): Promise<Team> {
  const store = openStore(flags.store, io);
  const [latest] = await store.threads.listThreads();
  await store.close();
  if (!latest)
    throw new TroupeError("THREAD_UNKNOWN", `no threads in ${storePath(flags, io)}; nothing has run with this store`);
  return openThread(latest.threadId, flags, io);
}

/** The team of the thread a dead letter belongs to. */
export async function openLetterThread(id: string, flags: StoreFlags, io: CliIO): Promise<Team> {
  const store = openStore(flags.store, io);
  const letter = await new DeadLetters(store.docs).get(id);
  await store.close();
  if (!letter)
    throw new TroupeError(
      "DEAD_LETTER_UNKNOWN",
      `no dead letter "${id}" in ${storePath(flags, io)}; list them with troupe dlq list`,
    );
  return openThread(letter.threadId, flags, io);
}
