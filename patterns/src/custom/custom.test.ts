import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineAgent, defineStep, defineTool, memoryStore, textOf, type ModelRequest } from "@troupe/core";
import { assertValidTranscript, ScriptedModel } from "@troupe/testing";
import { custom, type CustomTeamOptions } from "../index.js";

const lastText = (request: ModelRequest) => textOf(request.messages.at(-1));

function agents(model: ScriptedModel, ...names: string[]) {
  return names.map((name) =>
    defineAgent({ name, description: `The ${name}`, instructions: `You are the ${name}.`, model }),
  );
}

function team(model: ScriptedModel, names: string[], options: Omit<CustomTeamOptions, "name" | "agents">) {
  return custom({
    name: "flow",
    agents: agents(model, ...names),
    store: memoryStore(),
    limits: { maxTurns: 20 },
    ...options,
  });
}

/** Every request the team made would be accepted by the Messages API. */
function expectValidRequests(model: ScriptedModel): void {
  expect(model.calls.length).toBeGreaterThan(0);
  for (const call of model.calls) assertValidTranscript(call);
}

const aspects = ["facts", "tone", "length", "sources", "grammar"];

/** The example of docs/patterns/custom.md. */
const docsGraph: CustomTeamOptions["graph"] = {
  entry: "draft",
  nodes: {
    draft: { agent: "writer", task: "Write a short article on {{input}}. Editor's notes, if any: {{outputs.edit}}" },
    facts: { agent: "reviewer", task: "Check the facts of: {{outputs.draft}}" },
    style: { agent: "reviewer", task: "Check the style of: {{outputs.draft}}" },
    links: { tool: "check_links", input: { text: "{{outputs.draft}}" } },
    edit: {
      agent: "editor",
      join: true,
      task: "Draft:\n{{outputs.draft}}\n\nFacts: {{outputs.facts}}\nStyle: {{outputs.style}}\nLinks: {{outputs.links}}\n\nAnswer APPROVED, or REVISE with notes.",
    },
    publish: { step: "publish" },
  },
  edges: [
    { from: "draft", to: ["facts", "style", "links"] },
    { from: "facts", to: "edit" },
    { from: "style", to: "edit" },
    { from: "links", to: "edit" },
    { from: "edit", to: "draft", when: { path: "outputs.edit", contains: "REVISE" }, limit: 2 },
    { from: "edit", to: "publish" },
  ],
};

describe("custom pattern: fan-out and join", () => {
  // equal branches meet in one superstep, so the join runs once even without join: true
  it.each([true, false])(
    "fans out to 5 agent nodes in one superstep and runs the join once with all 5 outputs (join: %s)",
    async (join) => {
      const model = new ScriptedModel({
        writer: ["DRAFT: sagas undo completed steps"],
        reviewer: aspects.map(() => (req: ModelRequest) => `ok on ${lastText(req).split(":")[0]}`),
        editor: ["FINAL: sagas undo completed steps, reviewed"],
      });
      const nodes = Object.fromEntries(
        aspects.map((a) => [a, { agent: "reviewer", task: `${a}: check {{outputs.draft}}` }]),
      );
      const t = team(model, ["writer", "reviewer", "editor"], {
        graph: {
          entry: "draft",
          nodes: { draft: { agent: "writer" }, ...nodes, edit: { agent: "editor", join } },
          edges: [
            { from: "draft", to: aspects },
            ...aspects.map((a) => ({ from: a, to: "edit" })),
            { from: "edit", to: "end" },
          ],
        },
      });
      const result = await t.run("Write about sagas", { threadId: "fan" });

      expect(result.output).toBe("FINAL: sagas undo completed steps, reviewed");
      expect(model.callsBy("editor")).toHaveLength(1);
      const editorTask = lastText(model.callsBy("editor")[0]!);
      for (const a of aspects) expect(editorTask).toContain(`[${a}]\nok on ${a}`);
      // each reviewer got its own task with the draft filled in
      expect(model.callsBy("reviewer").map(lastText).sort()).toEqual(
        aspects.map((a) => `${a}: check DRAFT: sagas undo completed steps`).sort(),
      );
      // the five reviews share one turn number: they ran from the same state, in one superstep
      expect(result.steps.map((s) => [s.agent, s.turn])).toEqual([
        ["writer", 1],
        ...aspects.map(() => ["reviewer", 2]),
        ["editor", 7],
      ]);
      expect(
        result.steps
          .slice(1, 6)
          .map((s) => s.output)
          .sort(),
      ).toEqual(aspects.map((a) => `ok on ${a}`).sort());
      expectValidRequests(model);
      model.assertAllUsed();
    },
  );

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
    const toolNodes = Object.fromEntries(
      aspects.map((a) => [a, { tool: "check", input: { aspect: a, text: "{{outputs.writer}}" } }]),
    );
    const t = team(model, ["writer"], {
      tools: [check],
      steps: [merge],
      graph: {
        entry: "writer",
        nodes: {
          writer: { agent: "writer" },
          ...toolNodes,
          recheck: { tool: "check", input: { aspect: "again", text: "{{outputs.grammar}}" } },
          merged: { step: "merge", join: true },
        },
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
    expect(result.output).toBe(
      "facts ok for v1 | tone ok for v1 | length ok for v1 | sources ok for v1 | grammar ok for v1 | again ok for grammar ok for v1",
    );
  });
});

describe("custom pattern: conditions and loops", () => {
  it("loops back over a fan-out: each pass runs every branch, then the join once (the docs example)", async () => {
    const checkLinks = defineTool({
      name: "check_links",
      description: "Lists the links in a text",
      input: z.object({ text: z.string() }),
      run: ({ text }) => text.match(/https?:\/\/\S+/g) ?? [],
    });
    const publish = defineStep({ name: "publish", run: (state) => ({ output: state.outputs.draft }) });
    const model = new ScriptedModel({
      writer: ["Sagas undo work. https://x.test/sagas", "Sagas undo completed steps in reverse. https://x.test/sagas"],
      reviewer: Array.from({ length: 4 }, () => (r: ModelRequest) => `${lastText(r).split(" ")[2]} checked`), // "facts checked", "style checked"
      editor: ["REVISE: say which steps", "APPROVED"],
    });
    const t = team(model, ["writer", "reviewer", "editor"], {
      tools: [checkLinks],
      steps: [publish],
      graph: docsGraph,
    });
    const result = await t.run("saga compensation", { threadId: "docs" });
    expect(result.output).toBe("Sagas undo completed steps in reverse. https://x.test/sagas");
    expect(result.steps.map((s) => s.agent)).toEqual([
      "writer",
      "reviewer",
      "reviewer",
      "editor",
      "writer",
      "reviewer",
      "reviewer",
      "editor",
    ]);
    const editorTasks = model.callsBy("editor").map(lastText);
    expect(editorTasks[1]).toContain("Draft:\nSagas undo completed steps in reverse.");
    expect(editorTasks[1]).toContain('Links: ["https://x.test/sagas"]');
    expect(editorTasks[1]).toContain("Facts: facts checked\nStyle: style checked");
    expect(lastText(model.callsBy("writer")[1]!)).toContain("Editor's notes, if any: REVISE: say which steps");
    expectValidRequests(model);
    model.assertAllUsed();
  });

  const publish = defineStep({
    name: "publish",
    run: (state) => ({ output: `PUBLISHED ${String(state.outputs.write)}` }),
  });
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
    const model = new ScriptedModel({
      writer: ["draft 1", "draft 2", "draft 3"],
      critic: ["REVISE: a", "REVISE: b", "REVISE: c"],
    });
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
        nodes: {
          classify: { tool: "classify", input: { text: "{{input}}" } },
          urgent: { agent: "urgent" },
          billing: { agent: "billing" },
          general: { agent: "general" },
        },
        edges: [
          { from: "classify", to: "urgent", when: { path: "outputs.classify.urgent", equals: true } },
          { from: "classify", to: "billing", when: { path: "outputs.classify.topic", equals: "billing" } },
          { from: "classify", to: "general" },
        ],
      },
    });
    const route = async (input: string, thread: string) =>
      (await t.run(input, { threadId: thread })).steps.map((s) => s.agent);
    expect(await route("URGENT: my invoice is wrong", "a")).toEqual(["urgent"]); // both conditions hold: the first edge wins
    expect(await route("resend my invoice", "b")).toEqual(["billing"]);
    expect(await route("hi there", "c")).toEqual(["general"]);
    model.assertAllUsed();
  });
});
