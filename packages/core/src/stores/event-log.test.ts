import { describe, expect, it } from "vitest";
import { memoryStore } from "./memory-store.js";
import { readEvents } from "../records/run-events.js";
import { isTroupeError } from "../errors.js";

const event = (threadId: string, runId: string, type: string, n: number) => ({
  type,
  runId,
  threadId,
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
});

describe("memory event log", () => {
  it("numbers each thread's events 1, 2, 3 ... and reads after a seq and by run", async () => {
    const { events } = memoryStore();
    const seqs = await Promise.all([
      events.append("t1", "r1", event("t1", "r1", "run.started", 0)),
      events.append("t1", "r1", event("t1", "r1", "run.completed", 1)),
      events.append("t2", "r9", event("t2", "r9", "run.started", 2)),
      events.append("t1", "r2", event("t1", "r2", "run.started", 3)),
    ]);
    expect(seqs).toEqual([1, 2, 1, 3]);
    expect((await readEvents(events, "t1")).map((e) => [e.seq, e.runId, e.event.type])).toEqual([
      [1, "r1", "run.started"],
      [2, "r1", "run.completed"],
      [3, "r2", "run.started"],
    ]);
    expect((await readEvents(events, "t1", { afterSeq: 1 })).map((e) => e.seq)).toEqual([2, 3]);
    expect((await readEvents(events, "t1", { runId: "r2" })).map((e) => e.seq)).toEqual([3]);
    expect(await readEvents(events, "nobody")).toEqual([]);
  });

  it("a stored row that is not an event is refused as RECORD_INVALID, naming its seq", async () => {
    const { events } = memoryStore();
    await events.append("t1", "r1", { type: "no.such.event" });
    const error = await readEvents(events, "t1").catch((e: unknown) => e);
    expect(isTroupeError(error) && error.code).toBe("RECORD_INVALID");
    expect((error as Error).message).toContain('event 1 of thread "t1"');
  });
});
