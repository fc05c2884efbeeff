import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { isTroupeError, type ErrorCode } from "@troupe/core";
import { sqliteStore } from "./sqlite-store.js";

const dir = mkdtempSync(join(tmpdir(), "troupe-store-faults-"));
chmodSync(dir, 0o777);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function refusal(path: string): { code: ErrorCode; message: string } {
  try {
    const store = sqliteStore(path);
    void store.close();
  } catch (error) {
    if (isTroupeError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error(`sqliteStore(${path}) opened`);
}

/** A Troupe store with one thread in it, closed. */
async function goodStore(name: string): Promise<string> {
  const file = join(dir, name);
  const store = sqliteStore(file);
  await store.threads.saveThread({ threadId: "t1", spec: { name: "x" }, baseDir: dir });
  for (let i = 0; i < 50; i++) await store.records.put("t1", `k${i}`, "x".repeat(500));
  await store.close();
  return file;
}

describe("sqliteStore refuses what cannot hold a store, naming the file", () => {
  it("a file of random bytes: STORE_INVALID, not SQLite", () => {
    const file = join(dir, "random.sqlite");
    writeFileSync(file, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)));
    const { code, message } = refusal(file);
    expect(code).toBe("STORE_INVALID");
    expect(message).toContain(file);
    expect(message).toMatch(/not a SQLite database/);
  });

  it("a truncated store: STORE_INVALID, truncated, restore from backup", async () => {
    const file = await goodStore("whole.sqlite");
    const cut = join(dir, "cut.sqlite");
    const bytes = readFileSync(file);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const { code, message } = refusal(cut);
    expect(code).toBe("STORE_INVALID");
    expect(message).toContain(cut);
    expect(message).toMatch(/truncated .*restore it from a backup/);
    writeFileSync(cut, bytes.subarray(0, 40));
    expect(refusal(cut).message).toMatch(/truncated \(40 bytes/);
  });

  it("a SQLite database of something else: STORE_INVALID, not a Troupe store, left untouched", () => {
    const file = join(dir, "foreign.db");
    const db = new Database(file);
    db.exec("CREATE TABLE people (name TEXT); INSERT INTO people VALUES ('ada')");
    db.close();
    const before = readFileSync(file);
    const { code, message } = refusal(file);
    expect(code).toBe("STORE_INVALID");
    expect(message).toContain(file);
    expect(message).toMatch(/something else \(tables: people\), not a Troupe store/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it("an existing Troupe store and an empty file open", async () => {
    const file = await goodStore("reopen.sqlite");
    const store = sqliteStore(file);
    expect((await store.threads.getThread("t1"))?.threadId).toBe("t1");
    await store.close();
    const empty = join(dir, "empty.sqlite");
    writeFileSync(empty, "");
    await sqliteStore(empty).close();
  });

  it("a FIFO, /proc/self/status, /dev/null and a directory: STORE_INVALID at once, nothing opened", () => {
    const fifo = join(dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    const cases: [string, RegExp][] = [
      [fifo, /is a FIFO \(named pipe\), not a regular file/],
      ["/proc/self/status", /is in \/proc, a tree of special files/],
      ["/dev/null", /is in \/dev, a tree of special files/],
      [dir, /is a directory, not a SQLite file; name a file inside it/],
    ];
    for (const [path, reason] of cases) {
      const started = Date.now();
      const { code, message } = refusal(path);
      expect(code).toBe("STORE_INVALID");
      expect(message).toContain(path);
      expect(message).toMatch(reason);
      expect(Date.now() - started).toBeLessThan(1000);
    }
  });

  it("a file inside a path whose parent is a file: STORE_INVALID", () => {
    const file = join(dir, "plain.txt");
    writeFileSync(file, "hello");
    const { code, message } = refusal(join(file, "store.sqlite"));
    expect(code).toBe("STORE_INVALID");
    expect(message).toMatch(/part of that path is a file/);
  });
});

// Permission cases run in a child process, as an unprivileged user when the tests run as root
// (root may write anywhere, so a read-only directory would not be read-only to it).
const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
const storeModule = pathToFileURL(join(import.meta.dirname, "../dist/sqlite-store.js")).href;

function refusalAsUser(path: string, cwd = dir): { code: string; message: string } {
  const script = `import { sqliteStore } from ${JSON.stringify(storeModule)};
try { sqliteStore(${JSON.stringify(path)}); console.log(JSON.stringify({ opened: true })); }
catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd,
    encoding: "utf8",
    ...asUser,
  });
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout) as { code: string; message: string };
}

describe("sqliteStore refuses stores this user cannot write (STORE_PERMISSION)", () => {
  it("a new store in a read-only directory", () => {
    const ro = join(dir, "read-only");
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    const { code, message } = refusalAsUser(join(ro, "new.sqlite"));
    expect(code).toBe("STORE_PERMISSION");
    expect(message).toContain(join(ro, "new.sqlite"));
    expect(message).toMatch(/cannot write in .*permission denied.*make the directory writable/);
  });

  it("an existing store the user may not write", async () => {
    const file = await goodStore("locked-down.sqlite");
    chmodSync(file, 0o444);
    const { code, message } = refusalAsUser(file);
    expect(code).toBe("STORE_PERMISSION");
    expect(message).toContain(file);
    expect(message).toMatch(/chmod u\+rw/);
  });

  it("the default .troupe/ store in an unwritable working directory", () => {
    const cwd = join(dir, "unwritable-cwd");
    mkdirSync(cwd);
    chmodSync(cwd, 0o555);
    const { code, message } = refusalAsUser(".troupe/checkpoints.sqlite", cwd);
    expect(code).toBe("STORE_PERMISSION");
    expect(message).toContain(join(cwd, ".troupe"));
    expect(message).toMatch(/run from a directory you can write, or pass --store/);
  });
});
