import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readEvents } from "@troupe/core";
import { postgresStore, type PostgresStore } from "@troupe/store-postgres";
import { startPostgres, type RunningPostgres } from "@troupe/testing";
import pg from "pg";

let server: RunningPostgres;
const stores: PostgresStore[] = [];
function store(): PostgresStore {
  const s = postgresStore(server.url, { maxConnections: 8 });
  stores.push(s);
  return s;
}

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await server?.stop();
});

const event = (threadId: string, runId: string, n: number) => ({
  type: "agent.started",
  runId,
  threadId,
  at: new Date(n).toISOString(),
  agent: "a",
  task: `task ${n}`,
  turn: n,
});

describe("PostgreSQL event log", () => {
  it("numbers a thread's events strictly increasing and reads after a seq and by run", async () => {
    const s = store();
    expect(await s.events.append("p1", "r1", event("p1", "r1", 1))).toBe(1);
    expect(await s.events.append("p1", "r2", event("p1", "r2", 2))).toBe(2);
    expect(await s.events.append("p2", "r3", event("p2", "r3", 3))).toBe(1);
    expect(await s.events.append("p1", "r2", event("p1", "r2", 4))).toBe(3);
    expect((await readEvents(s.events, "p1")).map((e) => [e.seq, e.runId])).toEqual([
      [1, "r1"],
      [2, "r2"],
      [3, "r2"],
    ]);
    expect((await readEvents(s.events, "p1", { afterSeq: 1 })).map((e) => e.seq)).toEqual([2, 3]);
    expect((await readEvents(s.events, "p1", { runId: "r2", afterSeq: 2 })).map((e) => e.seq)).toEqual([3]);
  });

  it("concurrent appends from two stores (separate pools, many connections) never share a seq", async () => {
    const [a, b] = [store(), store()];
    const appendMany = (s: PostgresStore, runId: string) =>
      Promise.all(Array.from({ length: 100 }, (_, n) => s.events.append("race", runId, event("race", runId, n))));
    const [seqA, seqB] = await Promise.all([appendMany(a, "ra"), appendMany(b, "rb")]);
    expect(new Set([...seqA, ...seqB]).size).toBe(200);
    const logged = await readEvents(a.events, "race");
    expect(logged.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it("a database set up by an earlier version (no event tables) gains them on open", async () => {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    await client.query("CREATE SCHEMA IF NOT EXISTS old_troupe");
    await client.query(
      "CREATE TABLE old_troupe.troupe_records (thread_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (thread_id, key))",
    );
    await client.end();
    const s = postgresStore(server.url, { schema: "old_troupe" });
    stores.push(s);
    expect(await s.events.append("o1", "r1", event("o1", "r1", 1))).toBe(1);
    expect((await readEvents(s.events, "o1")).map((e) => e.seq)).toEqual([1]);
  });
});
