// Store faults through the command line: each bad --store is a typed error naming the file or URL
// and saying what to do, exit code 1, never "unexpected error" and never a hang.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresStore } from "@troupe/store-postgres";
import { BIN, childEnv, ROOT } from "./troupe-cli.js";

const dir = mkdtempSync(join(tmpdir(), "troupe-cli-store-"));
chmodSync(dir, 0o777);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SPEC = join(ROOT, "examples/research-team/team.yaml");
// as an unprivileged user when the tests run as root, so permissions mean something
const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

function troupe(args: string[], options: { cwd?: string; user?: boolean } = {}): { code: number | null; err: string } {
  const child = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? dir,
    env: childEnv({}),
    encoding: "utf8",
    timeout: 20_000,
    ...(options.user ? asUser : {}),
  });
  return { code: child.status, err: child.stderr };
}

function expectRefused(
  result: { code: number | null; err: string },
  code: string,
  names: string,
  reason: RegExp,
): void {
  expect(result.err).not.toMatch(/unexpected error/);
  expect(result.err).toContain(`[${code}]`);
  expect(result.err).toContain(names);
  expect(result.err).toMatch(reason);
  expect(result.code).toBe(1);
}

let truncated: string;

beforeAll(() => {
  const whole = join(dir, "whole.sqlite");
  const made = troupe(["run", SPEC, "--input", "Brief me", "--model", "offline", "--store", whole]);
  expect(made.code, made.err).toBe(0);
  truncated = join(dir, "truncated.sqlite");
  const bytes = readFileSync(whole);
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  writeFileSync(
    join(dir, "random.sqlite"),
    Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 104_729 + 7) % 256)),
  );
  const foreign = new Database(join(dir, "foreign.db"));
  foreign.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");
  foreign.close();
  execFileSync("mkfifo", [join(dir, "fifo")]);
});

describe("troupe status/run --store <bad SQLite path>", () => {
  it("truncated, random bytes, foreign SQLite: STORE_INVALID naming the file", () => {
    expectRefused(
      troupe(["status", "x", "--store", truncated]),
      "STORE_INVALID",
      truncated,
      /is truncated .*restore it from a backup/,
    );
    expectRefused(
      troupe(["status", "x", "--store", "random.sqlite"]),
      "STORE_INVALID",
      join(dir, "random.sqlite"),
      /is not a SQLite database/,
    );
    expectRefused(
      troupe(["status", "x", "--store", "foreign.db"]),
      "STORE_INVALID",
      join(dir, "foreign.db"),
      /tables: invoices\), not a Troupe store/,
    );
    expectRefused(
      troupe(["run", SPEC, "--input", "hi", "--model", "offline", "--store", "foreign.db"]),
      "STORE_INVALID",
      join(dir, "foreign.db"),
      /not a Troupe store/,
    );
  });

  it("a FIFO, /proc/self/status and a directory: refused at once with STORE_INVALID", () => {
    // a spinning or blocking open would be killed by the 20 s child timeout: exit code null, not 1
    expectRefused(
      troupe(["status", "x", "--store", "fifo"]),
      "STORE_INVALID",
      join(dir, "fifo"),
      /FIFO \(named pipe\), not a regular file/,
    );
    expectRefused(
      troupe(["status", "x", "--store", "/proc/self/status"]),
      "STORE_INVALID",
      "/proc/self/status",
      /special files/,
    );
    expectRefused(
      troupe(["run", SPEC, "--input", "hi", "--model", "offline", "--store", "/proc/self/status"]),
      "STORE_INVALID",
      "/proc/self/status",
      /special files/,
    );
    expectRefused(troupe(["status", "x", "--store", dir]), "STORE_INVALID", dir, /is a directory, not a SQLite file/);
  });

  it("a read-only directory and an unwritable working directory: STORE_PERMISSION", () => {
    const ro = join(dir, "read-only");
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    expectRefused(
      troupe(["status", "x", "--store", join(ro, "s.sqlite")], { user: true }),
      "STORE_PERMISSION",
      join(ro, "s.sqlite"),
      /permission denied/,
    );
    const cwd = join(dir, "unwritable-cwd");
    mkdirSync(cwd);
    chmodSync(cwd, 0o555);
    expectRefused(
      troupe(["run", SPEC, "--input", "hi", "--model", "offline"], { cwd, user: true }),
      "STORE_PERMISSION",
      join(cwd, ".troupe"),
      /run from a directory you can write, or pass --store/,
    );
  });
});

describe("PostgreSQL store faults", () => {
  let port: number;
  beforeAll(async () => {
    // a port that was free a moment ago and has nothing listening on it now
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    port = (server.address() as { port: number }).port;
    await new Promise((done) => server.close(done));
  });

  it("a refused connection: STORE_UNAVAILABLE (retryable) naming the URL without its password", async () => {
    const url = `postgres://troupe:s3cret@127.0.0.1:${port}/troupe`;
    const store = postgresStore(url);
    const error = await store.threads.listThreads().catch((e: unknown) => e);
    await store.close();
    expect(error).toMatchObject({ code: "STORE_UNAVAILABLE", retryable: true });
    expect((error as Error).message).toContain(`postgres://troupe:***@127.0.0.1:${port}/troupe`);
    expect((error as Error).message).not.toContain("s3cret");
    expect((error as Error).message).toMatch(/check that the server is running/);
    expectRefused(
      troupe(["status", "x", "--store", url]),
      "STORE_UNAVAILABLE",
      `127.0.0.1:${port}`,
      /cannot reach PostgreSQL/,
    );
  });

  it("a bad URL: STORE_INVALID before any connection", () => {
    expect(() => postgresStore("postgres://troupe@[::1/troupe")).toThrow(
      expect.objectContaining({ code: "STORE_INVALID" }),
    );
    expectRefused(
      troupe(["status", "x", "--store", "postgres://troupe@[::1/troupe"]),
      "STORE_INVALID",
      "postgres://troupe@[::1/troupe",
      /is not a valid URL; write it as postgres:\/\//,
    );
  });
});
