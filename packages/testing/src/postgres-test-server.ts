import { execFile, spawn, type ChildProcess } from "node:child_process";
import { accessSync, chownSync, constants, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./nats-test-server.js";

const run = promisify(execFile);

export interface PostgresServerOptions {
  /** Directory with initdb, postgres, pg_isready and createdb (default: PG_BIN, the newest /usr/lib/postgresql/<v>/bin, then PATH). */
  binDir?: string;
  /** Database to create (default "troupe"). */
  database?: string;
  /** How long to wait for the server to accept connections (default 30 s). */
  startTimeoutMs?: number;
}

/** A throwaway PostgreSQL cluster on loopback. */
export interface RunningPostgres {
  /** Connection URL of the created database, e.g. postgres://postgres@127.0.0.1:54123/troupe. */
  url: string;
  port: number;
  dataDir: string;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/**
 * Starts a throwaway PostgreSQL: initdb into a temp dir, a free loopback port, trust auth, no
 * fsync. As root it runs the server as the `postgres` user (initdb refuses root).
 *
 * @example
 * const pg = await startPostgres();
 * const store = postgresStore(pg.url);
 * // ...
 * await store.close();
 * await pg.stop();
 */
export async function startPostgres(options: PostgresServerOptions = {}): Promise<RunningPostgres> {
  const bin = findBinDir(options.binDir);
  const database = options.database ?? "troupe";
  const root = mkdtempSync(join(tmpdir(), "troupe-pg-"));
  const dataDir = join(root, "data");
  const asUser = await dropRoot(root);
  const port = await freePort();
  let child: ChildProcess | undefined;
  const stop = async () => {
    const current = child;
    child = undefined;
    if (current && current.exitCode === null && current.signalCode === null) {
      const exited = new Promise<void>((resolve) => current.once("exit", () => resolve()));
      current.kill("SIGINT"); // fast shutdown: roll back open transactions, close connections
      const forced = setTimeout(() => current.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(forced);
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await run(
      ...asUser(join(bin, "initdb"), [
        "-D",
        dataDir,
        "-U",
        "postgres",
        "--auth=trust",
        "--no-sync",
        "-E",
        "UTF8",
        "--no-instructions",
      ]),
      { cwd: root },
    );
    const args = [
      "-D",
      dataDir,
      "-p",
      String(port),
      "-h",
      "127.0.0.1",
      "-k",
      root,
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
    ];
    const [command, argv] = asUser(join(bin, "postgres"), args);
    const started = spawn(command, argv, { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
    child = started;
    live.add(started);
    started.once("exit", () => live.delete(started));
    const log: string[] = [];
    started.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      log.push(chunk);
      if (log.length > 50) log.shift();
    });
    await waitReady(started, bin, port, options.startTimeoutMs ?? 30_000, log);
    await run(join(bin, "createdb"), ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", database]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/${database}`, port, dataDir, stop };
}

/** Runs commands as `postgres` when we are root (with the temp dir handed over to it); as is otherwise. */
async function dropRoot(root: string): Promise<(command: string, args: string[]) => [string, string[]]> {
  if (process.getuid?.() !== 0) return (command, args) => [command, args];
  const { stdout: uid } = await run("id", ["-u", "postgres"]).catch((error: unknown) => {
    throw new Error(
      "running as root and there is no postgres user to run PostgreSQL as (apt-get install -y postgresql creates it)",
      { cause: error },
    );
  });
  const { stdout: gid } = await run("id", ["-g", "postgres"]);
  chownSync(root, Number(uid.trim()), Number(gid.trim()));
  mkdirSync(join(root, "data"), { mode: 0o700 });
  chownSync(join(root, "data"), Number(uid.trim()), Number(gid.trim()));
  return (command, args) => [
    "setpriv",
    ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", command, ...args],
  ];
}

async function waitReady(
  child: ChildProcess,
  bin: string,
  port: number,
  timeoutMs: number,
  log: string[],
): Promise<void> {
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (error) => reject(new Error(`postgres failed to start: ${error.message}`, { cause: error })));
    child.once("exit", (code, signal) =>
      reject(new Error(`postgres exited early (code ${code}, signal ${signal}):\n${log.join("")}`)),
    );
  });
  failed.catch(() => undefined); // not swallowed: the readiness loop races `failed` and throws its error
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await Promise.race([
      run(join(bin, "pg_isready"), ["-q", "-h", "127.0.0.1", "-p", String(port)]).then(
        () => true,
        () => false,
      ),
      failed,
    ]);
    if (ok) return;
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 100)), failed]);
  }
  throw new Error(`postgres was not ready within ${timeoutMs} ms:\n${log.join("")}`);
}

function findBinDir(explicit: string | undefined): string {
  const chosen = explicit ?? process.env.PG_BIN;
  if (chosen) return chosen;
  const base = "/usr/lib/postgresql";
  let versions: string[] = [];
  try {
    versions = readdirSync(base)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
  } catch {
    // not a Debian layout
  }
  const dirs = [
    ...versions.map((v) => join(base, v, "bin")),
    ...(process.env.PATH ?? "").split(delimiter).filter(Boolean),
  ];
  for (const dir of dirs) {
    try {
      accessSync(join(dir, "initdb"), constants.X_OK);
      return dir;
    } catch {
      // look further
    }
  }
  throw new Error(
    "PostgreSQL binaries not found (looked at PG_BIN, /usr/lib/postgresql/<version>/bin, PATH); install them: apt-get install -y postgresql",
  );
}
