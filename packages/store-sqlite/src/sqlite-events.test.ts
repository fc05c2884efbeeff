import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { readEvents } from "@troupe/core";
import { sqliteStore } from "./sqlite-store.js";

const dir = mkdtempSync(join(tmpdir(), "troupe-sqlite-events-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const event = (runId: string, n: number) => ({
  type: "agent.started",
  runId,
  threadId: "t1",
  at: new Date(n).toISOString(),
  agent: "a",
  task: `task ${n}`,
  turn: n,
});

/** A child process that appends `count` events to thread t1 of `file` through the built store package. */
function appender(file: string, runId: string, count: number): Promise<number[]> {
  const entry = pathToFileURL(join(import.meta.dirname, "../dist/index.js")).href;
  const code = `
    const { sqliteStore } = await import(${JSON.stringify(entry)});
    const store = sqliteStore(${JSON.stringify(file)});
    const seqs = [];
    for (let n = 0; n < ${count}; n++)
      seqs.push(await store.events.append("t1", ${JSON.stringify(runId)}, { type: "agent.started", runId: ${JSON.stringify(runId)}, threadId: "t1", at: new Date(n).toISOString(), agent: "a", task: "x", turn: n }));
    await store.close();
    process.stdout.write(JSON.stringify(seqs));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.once("exit", (status) => (status === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(err))));
  });
}

describe("SQLite event log", () => {
  it("numbers a thread's events strictly increasing and reads after a seq, by run, across reopening", async () => {
    const file = join(dir, "seq.sqlite");
    const store = sqliteStore(file);
    expect(await store.events.append("t1", "r1", event("r1", 1))).toBe(1);
    expect(await store.events.append("t1", "r1", event("r1", 2))).toBe(2);
    expect(await store.events.append("t2", "r1", { ...event("r1", 3), threadId: "t2" })).toBe(1);
    await store.close();
    const again = sqliteStore(file);
    expect(await again.events.append("t1", "r2", event("r2", 4))).toBe(3);
    expect((await readEvents(again.events, "t1")).map((e) => [e.seq, e.runId])).toEqual([
      [1, "r1"],
      [2, "r1"],
      [3, "r2"],
    ]);
    expect((await readEvents(again.events, "t1", { afterSeq: 2 })).map((e) => e.seq)).toEqual([3]);
    expect((await readEvents(again.events, "t1", { runId: "r1", afterSeq: 1 })).map((e) => e.seq)).toEqual([2]);
    expect((await readEvents(again.events, "t1", { limit: 1 })).map((e) => e.seq)).toEqual([1]);
    await again.close();
  });

  it("two processes appending to one thread at once never share a seq", async () => {
    const file = join(dir, "two.sqlite");
    await sqliteStore(file).close(); // the tables exist before the race starts
    const [a, b] = await Promise.all([appender(file, "ra", 150), appender(file, "rb", 150)]);
    for (const seqs of [a!, b!]) expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set([...a!, ...b!]).size).toBe(300);
    const store = sqliteStore(file);
    const logged = await readEvents(store.events, "t1");
    expect(logged.map((e) => e.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(logged.filter((e) => e.runId === "ra").map((e) => e.seq)).toEqual(a);
    await store.close();
  });

  it("a store made by an earlier version (no event table) opens and gains the table", async () => {
    const file = join(dir, "old.sqlite");
    const db = new Database(file);
    db.exec(`CREATE TABLE troupe_records (thread_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (thread_id, key));
      CREATE TABLE troupe_threads (thread_id TEXT PRIMARY KEY, spec TEXT NOT NULL, base_dir TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
      INSERT INTO troupe_records VALUES ('t1', 'k', '{"output":1}');`);
    db.close();
    const store = sqliteStore(file);
    expect(await store.records.get("t1", "k")).toEqual({ output: 1 });
    expect(await store.events.append("t1", "r1", event("r1", 1))).toBe(1);
    expect((await readEvents(store.events, "t1")).map((e) => e.event.type)).toEqual(["agent.started"]);
    await store.close();
  });
});
