import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTroupeError } from "@troupe/core";
import { postgresStore, type PostgresStore } from "@troupe/store-postgres";
import { ScriptedModel, startPostgres, type RunningPostgres } from "@troupe/testing";
import { researchScript, scriptedTeam } from "./research-fixture.js";

let pg: RunningPostgres;
const stores: PostgresStore[] = [];
function store(): PostgresStore {
  const s = postgresStore(pg.url);
  stores.push(s);
  return s;
}

beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await pg?.stop();
});

const script = researchScript;

describe("postgresStore", () => {
  it("runs a supervisor team, lists its history and replays it with zero model or tool calls", async () => {
    const model = script();
    const { team, lookups } = scriptedTeam(model, store(), "pg-team");
    const result = await team.run("Brief me on sagas", { threadId: "pg-1" });
    expect(result.status).toBe("completed");
    expect(result.output).toBe("Sagas: compensations run in reverse order.");
    expect(model.calls).toHaveLength(6);
    model.assertAllUsed();

    const history = await team.history("pg-1");
    expect(history[0]!.source).toBe("input");
    expect(history.map((c) => c.agent).filter(Boolean)).toEqual(
      expect.arrayContaining(["lead", "researcher", "writer"]),
    );
    expect(history.at(-1)!.next).toEqual([]);
    expect((await team.status("pg-1"))?.state).toBe("completed");

    const middle = history.find((c) => c.agent === "researcher")!;
    const replayed = await team.replay("pg-1", { from: middle.checkpointId });
    expect(replayed.output).toBe(result.output);
    expect(model.calls).toHaveLength(6);
    expect(lookups()).toBe(1);
  });

  it("lets a second Team on the same database (another process, in effect) see and replay the thread", async () => {
    const first = scriptedTeam(script(), store(), "pg-team");
    const original = await first.team.run("Brief me on sagas", { threadId: "pg-2" });

    // a fresh pool and a fresh team whose model has nothing scripted: any model call would fail
    const idle = new ScriptedModel({});
    const other = scriptedTeam(idle, store(), "pg-team");
    const info = await other.team.store.threads.getThread("pg-2");
    expect(info?.spec.name).toBe("pg-team");
    expect((await other.team.history("pg-2")).length).toBe((await first.team.history("pg-2")).length);
    const replayed = await other.team.replay("pg-2");
    expect(replayed.output).toBe(original.output);
    expect(replayed.steps.map((s) => s.agent)).toEqual(original.steps.map((s) => s.agent));
    expect(idle.calls).toHaveLength(0);
    expect(other.lookups()).toBe(0);
  });

  it("keeps records, docs and threads with the SQLite store's semantics", async () => {
    const s = store();
    await s.records.put("t", "k", { a: [1, 2] });
    await s.records.put("t", "k", { a: [3] });
    expect(await s.records.get("t", "k")).toEqual({ a: [3] });
    expect(await s.records.get("t", "missing")).toBeUndefined();
    expect(await s.records.get("other-thread", "k")).toBeUndefined();

    await s.docs.put("letter", "d1", "t1", { n: 1 });
    await s.docs.put("letter", "d2", "t2", { n: 2 });
    await s.docs.put("letter", "d1", "t1", { n: 3 });
    expect((await s.docs.get("letter", "d1"))?.body).toEqual({ n: 3 });
    expect((await s.docs.list("letter")).map((d) => d.id)).toEqual(["d2", "d1"]);
    expect((await s.docs.list("letter", "t2")).map((d) => d.body)).toEqual([{ n: 2 }]);
    await s.docs.delete("letter", "d2");
    expect(await s.docs.get("letter", "d2")).toBeUndefined();

    await s.threads.saveThread({ threadId: "th", spec: { name: "x" }, baseDir: "/a" });
    const created = (await s.threads.getThread("th"))!.createdAt;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await s.threads.saveThread({ threadId: "th", spec: { name: "y" }, baseDir: "/b" });
    const again = (await s.threads.getThread("th"))!;
    expect(again).toMatchObject({ spec: { name: "y" }, baseDir: "/b", createdAt: created });
    expect(again.updatedAt > created).toBe(true);
    expect((await s.threads.listThreads())[0]!.threadId).toBe("th");
  });

  it("reports an unknown thread as THREAD_UNKNOWN and an unreachable database on first use", async () => {
    const { team } = scriptedTeam(new ScriptedModel({}), store(), "pg-team");
    const error = await team.history("nope").catch((e: unknown) => e);
    expect(isTroupeError(error, "THREAD_UNKNOWN")).toBe(true);

    const down = postgresStore("postgres://postgres@127.0.0.1:1/troupe");
    await expect(down.ready()).rejects.toThrow(/ECONNREFUSED|connect/);
    await down.close();
  });
});
