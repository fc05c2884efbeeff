import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineAgent, defineStep, defineTool, isTroupeError, memoryStore, textOf, type ModelRequest, type RunResult } from "@troupe/core";
import { assertValidTranscript, ScriptedModel } from "@troupe/testing";
import { custom, type CustomTeamOptions } from "../index.js";

const lastText = (request: ModelRequest) => textOf(request.messages.at(-1));

function agents(model: ScriptedModel, ...names: string[]) {
  return names.map((name) => defineAgent({ name, description: `The ${name}`, instructions: `You are the ${name}.`, model }));
}

function team(model: ScriptedModel, names: string[], options: Omit<CustomTeamOptions, "name" | "agents">) {
  return custom({ name: "flow", agents: agents(model, ...names), store: memoryStore(), limits: { maxTurns: 20 }, ...options });
}

/** Every request the team made would be accepted by the Messages API. */
function expectValidRequests(model: ScriptedModel): void {
  expect(model.calls.length).toBeGreaterThan(0);
  for (const call of model.calls) assertValidTranscript(call);
}

const aspects = ["facts", "tone", "length", "sources", "grammar"];

describe("custom pattern: fan-out and join", () => {
  it("fans out to 5 agent nodes in one superstep and runs the join once with all 5 outputs", async () => {
    const model = new ScriptedModel({
      writer: ["DRAFT: sagas undo completed steps"],
      reviewer: aspects.map(() => (req: ModelRequest) => `ok on ${lastText(req).split(":")[0]}`),
      editor: ["FINAL: sagas undo completed steps, reviewed"],
    });
    const nodes = Object.fromEntries(aspects.map((a) => [a, { agent: "reviewer", task: `${a}: check {{outputs.draft}}` }]));
    const t = team(model, ["writer", "reviewer", "editor"], {
      graph: {
        entry: "draft",
        nodes: { draft: { agent: "writer" }, ...nodes, edit: { agent: "editor", join: true } },
        edges: [{ from: "draft", to: aspects }, ...aspects.map((a) => ({ from: a, to: "edit" })), { from: "edit", to: "end" }],
      },
    });
    const result = await t.run("Write about sagas", { threadId: "fan" });

    expect(result.output).toBe("FINAL: sagas undo completed steps, reviewed");
    expect(model.callsBy("editor")).toHaveLength(1);
    const editorTask = lastText(model.callsBy("editor")[0]!);
    for (const a of aspects) expect(editorTask).toContain(`[${a}]\nok on ${a}`);
    // each reviewer got its own task with the draft filled in
    expect(model.callsBy("reviewer").map(lastText).sort()).toEqual(aspects.map((a) => `${a}: check DRAFT: sagas undo completed steps`).sort());
    // the five reviews share one turn number: they ran from the same state, in one superstep
    expect(result.steps.map((s) => [s.agent, s.turn])).toEqual([["writer", 1], ...aspects.map(() => ["reviewer", 2]), ["editor", 7]]);
    expect(result.steps.slice(1, 6).map((s) => s.output).sort()).toEqual(aspects.map((a) => `ok on ${a}`).sort());
    expectValidRequests(model);
    model.assertAllUsed();
  });

  it("a join node waits for branches of different lengths, running tool nodes in parallel", async () => {
    let active = 0;
    let most = 0;
    const check = defineTool({
      name: "check",
      description: "Checks one aspect",
      input: z.object({ aspect: z.string(), text: z.string() }),
      run: async ({ aspect, text }) => {
        most = Math.max(most, ++active);
        await new Promise((r) => setTimeout(r, 20));
        active--;
        return `${aspect} ok for ${text}`;
      },
    });
    let joins = 0;
    const merge = defineStep({
      name: "merge",
      run: (state) => {
        joins++;
        return { output: [...aspects.map((a) => state.outputs[a]), state.outputs.recheck].join(" | ") };
      },
    });
    const model = new ScriptedModel({ writer: ["v1"] });
    const toolNodes = Object.fromEntries(aspects.map((a) => [a, { tool: "check", input: { aspect: a, text: "{{outputs.writer}}" } }]));
    const t = team(model, ["writer"], {
      tools: [check],
      steps: [merge],
      graph: {
        entry: "writer",
        nodes: { writer: { agent: "writer" }, ...toolNodes, recheck: { tool: "check", input: { aspect: "again", text: "{{outputs.grammar}}" } }, merged: { step: "merge", join: true } },
        edges: [
          { from: "writer", to: aspects },
          ...aspects.map((a) => ({ from: a, to: a === "grammar" ? "recheck" : "merged" })),
          { from: "recheck", to: "merged" },
        ],
      },
    });
    const result = await t.run("Write", { threadId: "uneven" });
    expect(most).toBe(5);
    expect(joins).toBe(1);
    expect(result.output).toBe("facts ok for v1 | tone ok for v1 | length ok for v1 | sources ok for v1 | grammar ok for v1 | again ok for grammar ok for v1");
  });
});

describe("custom pattern: conditions and loops", () => {
  const publish = defineStep({ name: "publish", run: (state) => ({ output: `PUBLISHED ${String(state.outputs.write)}` }) });
  const reviewLoop = (model: ScriptedModel) =>
    team(model, ["writer", "critic"], {
      steps: [publish],
      graph: {
        entry: "write",
        nodes: {
          write: { agent: "writer", task: "Write about {{input}}. Feedback: {{outputs.critic}}" },
          critic: { agent: "critic", task: "Critique: {{outputs.write}}" },
          publish: { step: "publish" },
        },
        edges: [
          { from: "write", to: "critic" },
          { from: "critic", to: "write", when: { path: "outputs.critic", contains: "REVISE" }, limit: 2 },
          { from: "critic", to: "publish" },
          { from: "publish", to: "end" },
        ],
      },
    });

  it("a loop stops at its limit and falls through to the next edge", async () => {
    const model = new ScriptedModel({ writer: ["draft 1", "draft 2", "draft 3"], critic: ["REVISE: a", "REVISE: b", "REVISE: c"] });
    const t = reviewLoop(model);
    const result = await t.run("sagas", { threadId: "loop" });
    expect(result.steps.map((s) => s.agent)).toEqual(["writer", "critic", "writer", "critic", "writer", "critic"]);
    expect(result.output).toBe("PUBLISHED draft 3");
    expect((await t.state("loop"))?.scratch["custom:edge:1"]).toEqual({ userTurn: 1, taken: 2 });
    // the critic's feedback reached the writer through its task template
    expect(model.callsBy("writer").map(lastText).at(-1)).toBe("Write about sagas. Feedback: REVISE: b");
    expectValidRequests(model);
    model.assertAllUsed();
  });

  it("a condition that stops holding ends the loop before its limit", async () => {
    const model = new ScriptedModel({ writer: ["draft 1", "draft 2"], critic: ["REVISE: shorter", "APPROVED"] });
    const result = await reviewLoop(model).run("sagas", { threadId: "ok" });
    expect(result.steps.map((s) => s.agent)).toEqual(["writer", "critic", "writer", "critic"]);
    expect(result.output).toBe("PUBLISHED draft 2");
    model.assertAllUsed();
  });

  it("routes by the first edge, in spec order, whose condition holds", async () => {
    const classify = defineTool({
      name: "classify",
      description: "Tags a request",
      input: z.object({ text: z.string() }),
      run: ({ text }) => ({ urgent: text.includes("URGENT"), topic: text.includes("invoice") ? "billing" : "other" }),
    });
    const model = new ScriptedModel({ urgent: ["paged on-call"], billing: ["invoice resent"], general: ["hello!"] });
    const t = team(model, ["urgent", "billing", "general"], {
      tools: [classify],
      graph: {
        entry: "classify",
        nodes: { classify: { tool: "classify", input: { text: "{{input}}" } }, urgent: { agent: "urgent" }, billing: { agent: "billing" }, general: { agent: "general" } },
        edges: [
          { from: "classify", to: "urgent", when: { path: "outputs.classify.urgent", equals: true } },
          { from: "classify", to: "billing", when: { path: "outputs.classify.topic", equals: "billing" } },
          { from: "classify", to: "general" },
        ],
      },
    });
    const route = async (input: string, thread: string) => (await t.run(input, { threadId: thread })).steps.map((s) => s.agent);
    expect(await route("URGENT: my invoice is wrong", "a")).toEqual(["urgent"]); // both conditions hold: the first edge wins
    expect(await route("resend my invoice", "b")).toEqual(["billing"]);
    expect(await route("hi there", "c")).toEqual(["general"]);
    model.assertAllUsed();
  });
});

describe("custom pattern: payloads, threads, replay, failures", () => {
  it("delivers outputs to tasks and tool inputs, structured values unchanged", async () => {
    const seen: unknown[] = [];
    const save = defineTool({ name: "save", description: "Saves items", input: z.object({ items: z.array(z.string()), note: z.string() }), run: (input) => (seen.push(input), "saved") });
    const plan = defineStep({ name: "plan", run: (state) => ({ output: { items: state.input.split(",").map((s) => s.trim()) } }) });
    const model = new ScriptedModel({ writer: ["notes on a and b"] });
    const t = team(model, ["writer"], {
      tools: [save],
      steps: [plan],
      graph: {
        entry: "plan",
        nodes: { plan: { step: "plan" }, writer: { agent: "writer", task: "Cover {{outputs.plan}} for {{input}}" }, save: { tool: "save", input: { items: "{{outputs.plan.items}}", note: "by writer: {{outputs.writer}}" } } },
        edges: [
          { from: "plan", to: "writer" },
          { from: "writer", to: "save" },
        ],
      },
    });
    const result = await t.run("a, b", { threadId: "p" });
    expect(lastText(model.callsBy("writer")[0]!)).toBe('Cover {"items":["a","b"]} for a, b');
    expect(seen).toEqual([{ items: ["a", "b"], note: "by writer: notes on a and b" }]);
    expect(result.output).toBe("saved"); // no edge leaves save: the run ends with its output
  });

  it("a second run on the thread continues each node's conversation, with loop limits counted afresh", async () => {
    const model = new ScriptedModel({ writer: ["d1", "d2", "d3", "d4"], critic: ["REVISE", "fine", "REVISE", "fine"] });
    const publish = defineStep({ name: "publish", run: (state) => ({ output: String(state.outputs.write) }) });
    const t = team(model, ["writer", "critic"], {
      steps: [publish],
      graph: {
        entry: "write",
        nodes: { write: { agent: "writer" }, critic: { agent: "critic", task: "Critique: {{outputs.write}}" }, publish: { step: "publish" } },
        edges: [
          { from: "write", to: "critic" },
          { from: "critic", to: "write", when: { path: "outputs.critic", equals: "REVISE" }, limit: 1 },
          { from: "critic", to: "publish" },
        ],
      },
    });
    const first = await t.run("sagas", { threadId: "th" });
    const second = await t.run("now retries", { threadId: "th" });
    expect([first.output, second.output]).toEqual(["d2", "d4"]);
    expect(second.steps.map((s) => [s.userTurn, s.agent])).toEqual([[2, "writer"], [2, "critic"], [2, "writer"], [2, "critic"]]);
    // the writer's first request of the second run carries its earlier conversation
    const writerCalls = model.callsBy("writer");
    const resumed = writerCalls[2]!.messages.map(textOf);
    expect(resumed[0]).toContain("sagas");
    expect(resumed).toContain("d2");
    expect(resumed.at(-1)).toContain("now retries");
    expectValidRequests(model);
    model.assertAllUsed();
  });

  it("replays from a mid-run checkpoint with no model calls and the same result", async () => {
    const model = new ScriptedModel({ writer: ["d1", "d2"], critic: ["REVISE", "fine"] });
    const t = team(model, ["writer", "critic"], {
      graph: {
        entry: "write",
        nodes: { write: { agent: "writer" }, critic: { agent: "critic", task: "Critique: {{outputs.write}}" } },
        edges: [
          { from: "write", to: "critic" },
          { from: "critic", to: "write", when: { path: "outputs.critic", equals: "REVISE" }, limit: 3 },
        ],
      },
    });
    const original = await t.run("sagas", { threadId: "r" });
    const history = await t.history("r");
    const mid = history.filter((c) => c.next.includes("critic"))[1]!; // before the second critique
    const calls = model.calls.length;
    const replayed: RunResult = await t.replay("r", { from: mid.checkpointId });
    expect(model.calls.length).toBe(calls);
    expect(replayed.output).toBe(original.output);
    expect(replayed.output).toBe("fine");
    expect(replayed.steps.map((s) => s.agent)).toEqual(["writer", "critic", "writer", "critic"]);
  });

  it("a tool node that throws fails the run with TOOL_FAILED and keeps the partial result", async () => {
    const flaky = defineTool({ name: "flaky", description: "Fails", input: z.object({}), run: () => { throw new Error("disk full"); } });
    const model = new ScriptedModel({ writer: ["d1"] });
    const t = team(model, ["writer"], {
      tools: [flaky],
      graph: { entry: "write", nodes: { write: { agent: "writer" }, store: { tool: "flaky" } }, edges: [{ from: "write", to: "store" }] },
    });
    const error = await t.run("x", { threadId: "f" }).catch((e: unknown) => e);
    expect(isTroupeError(error, "TOOL_FAILED")).toBe(true);
    expect((error as Error).message).toContain("disk full");
    const partial = (error as { details: { result: RunResult } }).details.result;
    expect(partial.status).toBe("failed");
    expect(partial.steps.map((s) => s.agent)).toEqual(["writer"]);
  });

  it("draws the graph: fan-out, join and the loop edge", async () => {
    const model = new ScriptedModel({});
    const t = team(model, ["writer", "critic"], {
      graph: {
        entry: "write",
        nodes: { write: { agent: "writer" }, critic: { agent: "critic" } },
        edges: [
          { from: "write", to: "critic" },
          { from: "critic", to: "write", when: { path: "outputs.critic", contains: "REVISE" }, limit: 2 },
        ],
      },
    });
    const diagram = await t.mermaid();
    expect(diagram).toContain("__start__ --> write;");
    expect(diagram).toContain("write -.-> critic;");
    expect(diagram).toContain("critic -.-> write;");
  });
});
