import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineAgent,
  defineTool,
  isTroupeError,
  memoryStore,
  textOf,
  type Agent,
  type ModelRequest,
  type RunResult,
  type Tool,
  type TroupeEvent,
} from "@troupe/core";
import { assertValidTranscript, callTool, delegate, finish, ScriptedModel, type ScriptedTurn } from "@troupe/testing";
import { hierarchical } from "../index.js";

type Script = Record<string, ScriptedTurn[]>;

/** A depth-3 tree: ceo -> (assistant, research -> (searcher, facts -> (checker))). */
function org(model: ScriptedModel, options: { maxTurns?: number; researchLimits?: { maxTurns: number } } = {}) {
  const agent = (name: string, description: string): Agent =>
    defineAgent({ name, description, instructions: `You are ${name}.`, model });
  return hierarchical({
    name: "org",
    supervisor: agent("ceo", "Runs the org"),
    workers: [agent("assistant", "Formats answers")],
    teams: {
      research: {
        supervisor: agent("rlead", "Leads research"),
        workers: [agent("searcher", "Searches notes")],
        description: "The research team: finds and checks facts",
        ...(options.researchLimits ? { limits: options.researchLimits } : {}),
        teams: {
          facts: { supervisor: agent("flead", "Leads fact checking"), workers: [agent("checker", "Checks one fact")] },
        },
      },
    },
    limits: { maxTurns: options.maxTurns ?? 20 },
    store: memoryStore(),
  });
}

const happyScript = (): Script => ({
  ceo: [
    delegate("research", "research sagas"),
    delegate("assistant", "format: R checked"),
    finish("FINAL: sagas compensate"),
  ],
  rlead: [
    delegate("searcher", "search sagas"),
    delegate("facts", "check: sagas compensate"),
    finish("R: sagas compensate (checked)"),
  ],
  searcher: ["S: sagas compensate"],
  flead: [delegate("checker", "verify sagas compensate"), finish("facts ok")],
  checker: ["verified"],
  assistant: ["formatted"],
});

const TREE_ORDER = [
  "ceo",
  "rlead",
  "searcher",
  "rlead",
  "flead",
  "checker",
  "flead",
  "rlead",
  "ceo",
  "assistant",
  "ceo",
];

/** The user text of a request's last message (what the agent was asked this time). */
const lastUserText = (request: ModelRequest): string => textOf(request.messages.at(-1));
const lastToolResult = (request: ModelRequest) =>
  request.messages.at(-1)!.content.find((b) => b.type === "tool_result");

describe("hierarchical pattern", () => {
  it("routes through sub-teams at depth 3, in order, and the team finishes with the top supervisor's answer", async () => {
    const model = new ScriptedModel(happyScript());
    const team = org(model);
    const events: TroupeEvent[] = [];
    for await (const ev of team.stream("Brief me on sagas", { threadId: "t1" })) events.push(ev);
    const state = await team.state("t1");
    expect(state?.status).toBe("completed");
    expect(state?.output).toBe("FINAL: sagas compensate");
    expect(state?.steps.map((s) => s.agent)).toEqual(TREE_ORDER);
    expect(state?.steps.map((s) => s.turn)).toEqual(TREE_ORDER.map((_, i) => i + 1));
    expect(state?.turn).toBe(TREE_ORDER.length);
    expect(state?.outputs.research).toBe("R: sagas compensate (checked)");
    expect(state?.usage.modelCalls).toBe(TREE_ORDER.length);
    expect(events.filter((e) => e.type === "agent.started").map((e) => (e as { agent: string }).agent)).toEqual(
      TREE_ORDER,
    );
    expect(events.some((e) => e.type === "handoff" && e.from === "rlead" && e.to === "facts")).toBe(true);
    expect(events.at(-1)?.type).toBe("run.completed");
    model.assertAllUsed();
    model.calls.forEach(assertValidTranscript);
  });

  it("gives each sub-team the task its parent supervisor delegated, and returns the sub-team's answer as the worker result", async () => {
    const model = new ScriptedModel(happyScript());
    await org(model).run("Brief me on sagas", { threadId: "t2" });
    const [rleadFirst, rleadSecond, rleadThird] = model.callsBy("rlead");
    expect(rleadFirst!.messages).toHaveLength(1);
    expect(lastUserText(rleadFirst!)).toContain("research sagas");
    expect(lastUserText(rleadFirst!)).not.toContain("Brief me on sagas");
    expect(lastUserText(model.callsBy("flead")[0]!)).toContain("check: sagas compensate");
    expect(lastUserText(model.callsBy("checker")[0]!)).toContain("verify sagas compensate");
    // results flow up one level at a time, as the answer to the delegate call that asked for them
    expect(lastToolResult(rleadSecond!)).toMatchObject({ content: "S: sagas compensate" });
    expect(lastToolResult(rleadThird!)).toMatchObject({ content: "facts ok" });
    expect(lastToolResult(model.callsBy("ceo")[1]!)).toMatchObject({ content: "R: sagas compensate (checked)" });
    // the top supervisor sees the sub-team as one teammate, described by its spec
    const delegateTool = model.callsBy("ceo")[0]!.tools.find((t) => t.name === "delegate")!;
    expect(delegateTool.description).toContain("research: The research team: finds and checks facts");
    expect(
      model
        .callsBy("ceo")[0]!
        .tools.map((t) => t.name)
        .sort(),
    ).toEqual(["delegate", "finish"]);
    model.calls.forEach(assertValidTranscript);
  });

  it("fails the whole run typed, with a partial result, when a runaway sub-team two levels down hits maxTurns", async () => {
    const loop = (to: string) => Array.from({ length: 10 }, () => delegate(to, "once more"));
    const model = new ScriptedModel({
      ceo: [delegate("research", "research sagas")],
      rlead: [delegate("facts", "check it")],
      flead: loop("checker"),
      checker: Array.from({ length: 10 }, () => "maybe"),
    });
    const error = await org(model, { maxTurns: 7 })
      .run("Brief me on sagas", { threadId: "t3" })
      .catch((e: unknown) => e);
    expect(isTroupeError(error, "MAX_TURNS_EXCEEDED")).toBe(true);
    const details = (error as { details: { teamPath: string[]; result: RunResult } }).details;
    expect(details.teamPath).toEqual(["research", "facts"]);
    expect(details.result.status).toBe("failed");
    expect(details.result.steps.map((s) => s.agent)).toEqual([
      "ceo",
      "rlead",
      "flead",
      "checker",
      "flead",
      "checker",
      "flead",
    ]);
    expect(model.calls).toHaveLength(7);
    model.calls.forEach(assertValidTranscript);
  });

  it("compensates a sub-team's completed tool calls when the run fails later, higher up", async () => {
    const undone: string[] = [];
    const book = defineTool({
      name: "book_room",
      description: "Books a room",
      input: z.object({ room: z.string() }),
      run: ({ room }) => `booked ${room}`,
      compensate: ({ room }) => void undone.push(room),
    });
    const model = new ScriptedModel({
      ceo: [delegate("research", "book a room"), ...Array.from({ length: 10 }, () => delegate("assistant", "again"))],
      rlead: [delegate("searcher", "book room 7"), finish("room 7 booked")],
      searcher: [callTool("book_room", { room: "7" }), "done"],
      assistant: Array.from({ length: 10 }, () => "ok"),
    });
    const agent = (name: string, tools = [] as Tool[]) =>
      defineAgent({ name, description: name, instructions: name, model, tools });
    const team = hierarchical({
      name: "org",
      supervisor: agent("ceo"),
      workers: [agent("assistant")],
      teams: { research: { supervisor: agent("rlead"), workers: [agent("searcher", [book])] } },
      limits: { maxTurns: 6 },
      store: memoryStore(),
    });
    const error = await team.run("Book and loop", { threadId: "t-saga" }).catch((e: unknown) => e);
    expect(isTroupeError(error, "MAX_TURNS_EXCEEDED")).toBe(true);
    expect((await team.state("t-saga"))?.saga.map((s) => [s.agent, s.tool])).toEqual([["searcher", "book_room"]]);
    expect(undone).toEqual(["7"]);
  });

  it("stops a sub-team at its own limits.maxTurns, counted per delegation", async () => {
    const model = new ScriptedModel({
      ceo: [delegate("research", "research sagas")],
      rlead: Array.from({ length: 10 }, () => delegate("searcher", "again")),
      searcher: Array.from({ length: 10 }, () => "more"),
    });
    const error = await org(model, { maxTurns: 30, researchLimits: { maxTurns: 3 } })
      .run("Brief me on sagas", { threadId: "t4" })
      .catch((e: unknown) => e);
    expect(isTroupeError(error, "MAX_TURNS_EXCEEDED")).toBe(true);
    expect((error as Error).message).toContain("teams.research.limits.maxTurns");
    const result = (error as { details: { result: RunResult } }).details.result;
    expect(result.steps.map((s) => s.agent)).toEqual(["ceo", "rlead", "searcher", "rlead"]);
  });

  it("continues a thread: the top supervisor keeps its conversation, sub-teams start fresh on each delegation", async () => {
    const model = new ScriptedModel({
      ceo: [
        delegate("research", "research sagas"),
        finish("first answer"),
        delegate("research", "research retries"),
        finish("second answer"),
      ],
      rlead: [delegate("searcher", "search sagas"), finish("R1"), delegate("searcher", "search retries"), finish("R2")],
      searcher: ["S1", "S2"],
    });
    const team = org(model);
    const first = await team.run("Brief me on sagas", { threadId: "t5" });
    const second = await team.run("And retries?", { threadId: "t5" });
    expect(first.output).toBe("first answer");
    expect(second.output).toBe("second answer");
    expect(second.steps.map((s) => [s.userTurn, s.turn, s.agent])).toEqual([
      [2, 1, "ceo"],
      [2, 2, "rlead"],
      [2, 3, "searcher"],
      [2, 4, "rlead"],
      [2, 5, "ceo"],
    ]);
    const ceoThird = model.callsBy("ceo")[2]!;
    expect(JSON.stringify(ceoThird.messages)).toContain("Brief me on sagas");
    expect(JSON.stringify(ceoThird.messages)).toContain("R1");
    expect(lastUserText(ceoThird)).toContain("And retries?");
    const rleadThird = model.callsBy("rlead")[2]!;
    expect(rleadThird.messages).toHaveLength(1);
    expect(lastUserText(rleadThird)).toContain("research retries");
    expect((await team.state("t5"))?.messages.map((m) => textOf(m))).toEqual([
      "Brief me on sagas",
      "first answer",
      "And retries?",
      "second answer",
    ]);
    model.assertAllUsed();
    model.calls.forEach(assertValidTranscript);
  });

  it("checkpoints inside sub-team subgraphs and replays from a mid-run checkpoint with zero model calls", async () => {
    const model = new ScriptedModel(happyScript());
    const team = org(model);
    const original = await team.run("Brief me on sagas", { threadId: "t6" });
    const calls = model.calls.length;

    const namespaces = new Set<string>();
    for await (const c of team.store.checkpointer.list({ configurable: { thread_id: "t6" } }))
      namespaces.add(String(c.config.configurable?.checkpoint_ns ?? ""));
    expect([...namespaces].some((ns) => /^research:[^|]+$/.test(ns))).toBe(true);
    expect([...namespaces].some((ns) => /^research:[^|]+\|facts:/.test(ns))).toBe(true);

    const history = await team.history("t6");
    const beforeResearch = history.find((c) => c.next.includes("research"))!;
    expect(beforeResearch.agent).toBe("ceo");
    const replayed = await team.replay("t6", { from: beforeResearch.checkpointId });
    expect(model.calls.length).toBe(calls);
    expect(replayed.status).toBe("completed");
    expect(replayed.output).toBe(original.output);
    expect(replayed.steps.map((s) => s.agent)).toEqual(TREE_ORDER);

    const afterResearch = history.find((c) => c.next.includes("ceo") && c.agent === "rlead")!;
    const events: TroupeEvent[] = [];
    for await (const ev of team.replayStream("t6", { from: afterResearch.checkpointId })) events.push(ev);
    expect(model.calls.length).toBe(calls);
    expect(
      events
        .filter((e) => e.type === "agent.completed")
        .map((e) => [(e as { agent: string }).agent, (e as { replayed: boolean }).replayed]),
    ).toEqual([
      ["ceo", true],
      ["assistant", true],
      ["ceo", true],
    ]);
    expect(events.at(-1)).toMatchObject({ type: "run.completed", output: original.output });
  });

  it("draws the team graph with each sub-team as one node", async () => {
    const mermaid = await org(new ScriptedModel(happyScript())).mermaid();
    for (const edge of ["__start__ --> ceo", "ceo -.-> research", "research -.-> ceo", "ceo -.-> assistant"])
      expect(mermaid).toContain(edge);
  });
});
