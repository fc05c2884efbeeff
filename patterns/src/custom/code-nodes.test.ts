import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineAgent, defineStep, defineTool, memoryStore, type TroupeEvent } from "@troupe/core";
import { ScriptedModel } from "@troupe/testing";
import { custom } from "../index.js";

function flow(counts: { save: number; plan: number }, failSave = false) {
  const save = defineTool({
    name: "save",
    description: "Saves a draft",
    input: z.object({ text: z.string() }),
    run: ({ text }) => {
      counts.save++;
      if (failSave) throw new Error("disk full");
      return `saved ${text.length} chars`;
    },
  });
  const plan = defineStep({
    name: "plan",
    run: (state) => {
      counts.plan++;
      return { output: `plan for ${state.input}` };
    },
  });
  const model = new ScriptedModel({ writer: ["a draft", "another draft"] });
  const writer = defineAgent({ name: "writer", description: "Writes", instructions: "Write.", model });
  const team = custom({
    name: "code-nodes",
    agents: [writer],
    tools: [save],
    steps: [plan],
    store: memoryStore(),
    graph: {
      entry: "plan",
      nodes: {
        plan: { step: "plan" },
        write: { agent: "writer", task: "{{outputs.plan}}" },
        save: { tool: "save", input: { text: "{{outputs.write}}" } },
      },
      edges: [
        { from: "plan", to: "write" },
        { from: "write", to: "save" },
        { from: "save", to: "end" },
      ],
    },
  });
  return { team, model };
}

describe("custom pattern: tool and step nodes within the run", () => {
  it("report tool.called events and are answered from the records on replay, never run again", async () => {
    const counts = { save: 0, plan: 0 };
    const { team, model } = flow(counts);
    const events: TroupeEvent[] = [];
    for await (const ev of team.stream("a launch", { threadId: "c" })) events.push(ev);
    const called = events.filter((e) => e.type === "tool.called").map((e) => (e as { tool: string }).tool);
    expect(called).toEqual(["step plan", "save"]);
    expect(counts).toEqual({ save: 1, plan: 1 });
    const original = await team.result("c");

    const history = await team.history("c");
    const replayed = await team.replay("c", { from: history[0]!.checkpointId });
    expect(replayed.output).toEqual(original?.output);
    expect(counts).toEqual({ save: 1, plan: 1 });
    expect(model.calls.length).toBe(1);
  });

  it("a throwing tool node fails the run typed, with an error event", async () => {
    const { team } = flow({ save: 0, plan: 0 }, true);
    const events: TroupeEvent[] = [];
    for await (const ev of team.stream("x", { threadId: "f" })) events.push(ev);
    const failedCall = events.find((e) => e.type === "tool.called" && e.error);
    expect(failedCall).toMatchObject({ agent: "save", tool: "save" });
    const error = (await team.result("f"))?.error;
    expect(error?.code).toBe("TOOL_FAILED");
    expect(error?.message).toContain("disk full");
  });
});
