import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineAgent,
  defineStep,
  defineTool,
  isTroupeError,
  memoryStore,
  textOf,
  type ModelRequest,
  type RunResult,
} from "@troupe/core";
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

describe("custom pattern: payloads, threads, replay, failures", () => {
  it("delivers outputs to tasks and tool inputs, structured values unchanged", async () => {
    const seen: unknown[] = [];
    const save = defineTool({
      name: "save",
      description: "Saves items",
      input: z.object({ items: z.array(z.string()), note: z.string() }),
      run: (input) => {
        seen.push(input);
        return "saved";
      },
    });
    const plan = defineStep({
      name: "plan",
      run: (state) => ({ output: { items: state.input.split(",").map((s) => s.trim()) } }),
    });
    const model = new ScriptedModel({ writer: ["notes on a and b"] });
    const t = team(model, ["writer"], {
      tools: [save],
      steps: [plan],
      graph: {
        entry: "plan",
        nodes: {
          plan: { step: "plan" },
          writer: { agent: "writer", task: "Cover {{outputs.plan}} for {{input}}" },
          save: { tool: "save", input: { items: "{{outputs.plan.items}}", note: "by writer: {{outputs.writer}}" } },
        },
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
        nodes: {
          write: { agent: "writer" },
          critic: { agent: "critic", task: "Critique: {{outputs.write}}" },
          publish: { step: "publish" },
        },
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
    expect(second.steps.map((s) => [s.userTurn, s.agent])).toEqual([
      [2, "writer"],
      [2, "critic"],
      [2, "writer"],
      [2, "critic"],
    ]);
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
    const flaky = defineTool({
      name: "flaky",
      description: "Fails",
      input: z.object({}),
      run: () => {
        throw new Error("disk full");
      },
    });
    const model = new ScriptedModel({ writer: ["d1"] });
    const t = team(model, ["writer"], {
      tools: [flaky],
      graph: {
        entry: "write",
        nodes: { write: { agent: "writer" }, store: { tool: "flaky" } },
        edges: [{ from: "write", to: "store" }],
      },
    });
    const error = await t.run("x", { threadId: "f" }).catch((e: unknown) => e);
    expect(isTroupeError(error, "TOOL_FAILED")).toBe(true);
    expect((error as Error).message).toContain("disk full");
    const partial = (error as { details: { result: RunResult } }).details.result;
    expect(partial.status).toBe("failed");
    expect(partial.steps.map((s) => s.agent)).toEqual(["writer"]);
  });

  it("a step that returns something other than { output?, scratch? } fails the run", async () => {
    const sloppy = defineStep({ name: "sloppy", run: () => ({ output: "x", status: "completed" }) as never });
    const t = team(new ScriptedModel({ writer: ["d1"] }), ["writer"], {
      steps: [sloppy],
      graph: {
        entry: "write",
        nodes: { write: { agent: "writer" }, tidy: { step: "sloppy" } },
        edges: [{ from: "write", to: "tidy" }],
      },
    });
    const error = await t.run("x", { threadId: "s" }).catch((e: unknown) => e);
    expect(isTroupeError(error, "TOOL_FAILED")).toBe(true);
    expect((error as Error).message).toContain('step sloppy returned unknown key "status"');
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
