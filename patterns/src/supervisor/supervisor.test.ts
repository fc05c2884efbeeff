import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineAgent, defineTool, isTroupeError, memoryStore, type TroupeEvent } from "@troupe/core";
import { ScriptedModel, callTool, delegate, finish } from "@troupe/testing";
import { supervisor } from "../index.js";

const notes = defineTool({
  name: "search_notes",
  description: "Search notes",
  input: z.object({ query: z.string() }),
  run: ({ query }) => [{ title: "sagas", snippet: `notes about ${query}` }],
});

function team(model: ScriptedModel, maxTurns = 12) {
  const lead = defineAgent({ name: "lead", description: "Leads", instructions: "Lead the team.", model });
  const researcher = defineAgent({
    name: "researcher",
    description: "Finds facts",
    instructions: "Find facts.",
    tools: [notes],
    model,
  });
  const writer = defineAgent({ name: "writer", description: "Writes briefs", instructions: "Write.", model });
  return supervisor({
    name: "research",
    lead,
    workers: [researcher, writer],
    limits: { maxTurns },
    store: memoryStore(),
  });
}

describe("supervisor pattern", () => {
  it("routes one worker at a time, shows each result to the lead, and finishes", async () => {
    const model = new ScriptedModel({
      lead: [
        delegate("researcher", "find facts on sagas"),
        delegate("writer", "write a brief from: facts"),
        finish("BRIEF: sagas undo work"),
      ],
      researcher: [callTool("search_notes", { query: "sagas" }), "Fact: sagas compensate"],
      writer: ["Brief: sagas compensate in reverse"],
    });
    const t = team(model);
    const events: TroupeEvent[] = [];
    for await (const ev of t.stream("Brief me on sagas", { threadId: "t1" })) events.push(ev);
    const state = await t.state("t1");
    expect(state?.status).toBe("completed");
    expect(state?.output).toBe("BRIEF: sagas undo work");
    expect(state?.steps.map((s) => s.agent)).toEqual(["lead", "researcher", "lead", "writer", "lead"]);
    // the researcher's result reached the lead as the answer to its delegate call
    const leadSecond = model.callsBy("lead")[1]!;
    const lastUser = leadSecond.messages.at(-1)!;
    expect(lastUser.content[0]).toMatchObject({ type: "tool_result", content: "Fact: sagas compensate" });
    expect(events.map((e) => e.type)).toContain("tool.called");
    expect(events.at(-1)?.type).toBe("run.completed");
    model.assertAllUsed();
  });

  it("stops at maxTurns with a typed error and a partial result", async () => {
    const loop = Array.from({ length: 10 }, () => delegate("writer", "again"));
    const model = new ScriptedModel({ lead: loop, writer: Array.from({ length: 10 }, () => "draft") });
    const t = team(model, 3);
    const error = await t.run("loop forever", { threadId: "t2" }).catch((e: unknown) => e);
    expect(isTroupeError(error, "MAX_TURNS_EXCEEDED")).toBe(true);
    const partial = (error as { details: { result: { steps: { agent: string }[]; status: string } } }).details.result;
    expect(partial.status).toBe("failed");
    expect(partial.steps.map((s) => s.agent)).toEqual(["lead", "writer", "lead"]);
  });
});

describe("supervisor spec", () => {
  it("an agent that is only another agent's fallback is not reported unreachable", async () => {
    const { checkSpec } = await import("@troupe/core");
    const { builtinPatterns } = await import("../index.js");
    const agent = { description: "d", instructions: "i" };
    const spec = {
      name: "t",
      pattern: "supervisor",
      supervisor: "lead",
      workers: ["w"],
      agents: { lead: agent, w: agent, backup: agent, stray: agent },
      resilience: { agents: { w: { fallback: "backup" } } },
    };
    const { problems } = checkSpec(spec, { patterns: builtinPatterns });
    expect(problems.map((p) => p.path)).toEqual(["agents.stray"]);
  });
});
