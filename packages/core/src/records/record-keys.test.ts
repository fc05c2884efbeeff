import { describe, expect, it } from "vitest";
import { isTroupeError } from "../errors.js";
import { memoryStore } from "../stores/memory-store.js";
import { scoped } from "../stores/record-store.js";
import { createActor } from "xstate";
import { runLifecycleMachine } from "../runtime/run-machine.js";
import { Approvals } from "./approvals.js";
import {
  DocKinds,
  LeaseKeys,
  listDocs,
  readDoc,
  readRecord,
  RecordKeys,
  ScratchKeys,
  writeDoc,
  writeRecord,
} from "./record-keys.js";

// Keys are what existing stores hold: a changed format orphans every recorded thread (resume and
// replay stop finding their records). These strings are fixed on purpose.
describe("record keys keep their stored format", () => {
  it("builds each record key as stores already hold it", () => {
    expect(RecordKeys.model("t-1:1:1:writer", 0).key).toBe("model:t-1:1:1:writer:0");
    expect(RecordKeys.tool("t-1:1:pay#1").key).toBe("tool:t-1:1:pay#1");
    expect(RecordKeys.approval("t-1:1:pay#1").key).toBe("approval:t-1:1:pay#1");
    expect(RecordKeys.compensated("t-1:1:pay#1").key).toBe("compensated:t-1:1:pay#1");
    expect(RecordKeys.node("t-1:1:check#2.0").key).toBe("node:t-1:1:check#2.0");
    expect(RecordKeys.toolCall(2, "payments", "charge", { amount: 5 }).key).toBe(
      "toolcall:2:2535b55613d2d0082173232d5e0fb76f",
    );
    const messages = [{ role: "user", content: [{ type: "text", text: "hi" }] }];
    expect(
      RecordKeys.agent(2, 3, { agent: "writer", task: "Draft it", messages, offers: [{ kind: "finish" }] }, "").key,
    ).toBe("agent:4ec12cf5ea7715d48ab048d53f679a88b02959eb9e15fa1494bbd685e0e660a0");
    expect(
      RecordKeys.agent(2, 3, { agent: "writer", task: "Draft it", messages: [], input: { n: 1 }, offers: [] }, "#1")
        .key,
    ).toBe("agent:f559168cf7f2c40ca691099b81d44a7d3e1b59cda2a569ad75b942b6aa2d69c6");
    expect(ScratchKeys.visits("check").key).toBe("visits:check");
    expect(LeaseKeys.request("t-1:1:1:writer")).toBe("request:t-1:1:1:writer");
  });

  it("names each doc kind as stores already hold it", () => {
    expect(Object.fromEntries(Object.entries(DocKinds).map(([name, kind]) => [name, kind.kind]))).toEqual({
      approval: "approval",
      deadLetter: "dead_letter",
      sagaStep: "saga_step",
      runLifecycle: "run_lifecycle",
      runControl: "run_control",
      runRequest: "run_request",
    });
  });
});

describe("typed reads", () => {
  it("round-trips records and docs through the memory store", async () => {
    const store = memoryStore();
    const records = scoped(store.records, "t-1");
    const tool = RecordKeys.tool("t-1:1:pay#1");
    expect(await readRecord(records, tool)).toBeUndefined();
    await writeRecord(records, tool, { output: { charged: 5 } });
    expect(await readRecord(records, tool)).toEqual({ output: { charged: 5 } });
    expect(await store.records.get("t-1", "tool:t-1:1:pay#1")).toEqual({ output: { charged: 5 } });
    const decision = RecordKeys.approval("t-1:1:pay#1");
    await writeRecord(records, decision, { approved: false, by: "ann", comment: "too much" });
    expect(await readRecord(records, decision)).toEqual({ approved: false, by: "ann", comment: "too much" });

    await writeDoc(store.docs, DocKinds.runControl, "t-1", "t-1", { action: "pause" });
    expect((await readDoc(store.docs, DocKinds.runControl, "t-1"))?.body).toEqual({ action: "pause" });
    const approvals = new Approvals(store.docs);
    const request = { key: "k1", agent: "a", tool: "pay", input: {}, reason: "big", approvers: ["ann"], slaMs: 1000 };
    const { approval } = await approvals.open(request, { threadId: "t-1", runId: "r-1" }, 0);
    expect((await listDocs(store.docs, DocKinds.approval, "t-1")).map((d) => d.body)).toEqual([approval]);
  });

  it("a record that does not match its schema fails with RECORD_INVALID naming its key", async () => {
    const store = memoryStore();
    await store.records.put("t-1", "tool:t-1:1:pay#1", "not an object");
    const error = await readRecord(scoped(store.records, "t-1"), RecordKeys.tool("t-1:1:pay#1")).catch(
      (e: unknown) => e,
    );
    expect(isTroupeError(error, "RECORD_INVALID")).toBe(true);
    expect((error as Error).message).toContain('record "tool:t-1:1:pay#1"');
    expect((error as Error).message).toContain("start a new thread");

    await store.docs.put("approval", "k1", "t-1", { id: "k1", status: "maybe" });
    const docError = await readDoc(store.docs, DocKinds.approval, "k1").catch((e: unknown) => e);
    expect(isTroupeError(docError, "RECORD_INVALID")).toBe(true);
    expect((docError as Error).message).toContain('approval document "k1"');
  });

  it("accepts run_lifecycle docs as the lifecycle writes them, and those without a snapshot", async () => {
    const store = memoryStore();
    const actor = createActor(runLifecycleMachine).start();
    actor.send({ type: "START", runId: "r-1", turn: { input: "hi", userTurn: 1 } });
    const snapshot = actor.getPersistedSnapshot();
    await store.docs.put("run_lifecycle", "t-1", "t-1", { snapshot, state: "running", runId: "r-1" });
    const doc = await readDoc(store.docs, DocKinds.runLifecycle, "t-1");
    expect(doc?.body.snapshot?.context?.turn).toEqual({ input: "hi", userTurn: 1 });
    expect(doc?.body.snapshot).toEqual(JSON.parse(JSON.stringify(snapshot)));
    await store.docs.put("run_lifecycle", "t-2", "t-2", { state: "running", runId: "r0", snapshot: undefined });
    expect((await readDoc(store.docs, DocKinds.runLifecycle, "t-2"))?.body).toEqual({ state: "running", runId: "r0" });
  });
});
