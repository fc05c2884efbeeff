import { z } from "zod";
import { defineAgent, defineTool, memoryStore, type TeamStore } from "@troupe/core";
import { supervisor } from "@troupe/patterns";
import { ScriptedModel, callTool, delegate, finish } from "@troupe/testing";

/**
 * A small scripted research team for cross-package tests: a lead, a researcher with a counted
 * `lookup` tool, and a writer. `lookups()` tells how often the tool really ran.
 */
export function scriptedTeam(model: ScriptedModel, store: TeamStore = memoryStore(), name = "replay-team") {
  let lookups = 0;
  const lookup = defineTool({
    name: "lookup",
    description: "Look a topic up",
    input: z.object({ topic: z.string() }),
    run: ({ topic }) => {
      lookups++;
      return `${topic}: compensations run in reverse order`;
    },
  });
  const lead = defineAgent({ name: "lead", description: "Leads", instructions: "Lead.", model });
  const researcher = defineAgent({
    name: "researcher",
    description: "Researches",
    instructions: "Research.",
    tools: [lookup],
    model,
  });
  const writer = defineAgent({ name: "writer", description: "Writes", instructions: "Write.", model });
  return { team: supervisor({ name, lead, workers: [researcher, writer], store }), lookups: () => lookups };
}

/** The turns the research team plays: research, write, finish (6 model calls). */
export const researchScript = () =>
  new ScriptedModel({
    lead: [
      delegate("researcher", "look up sagas"),
      delegate("writer", "write it up"),
      finish("Sagas: compensations run in reverse order."),
    ],
    researcher: [callTool("lookup", { topic: "sagas" }), "sagas: compensations run in reverse order"],
    writer: ["Brief: compensations run in reverse order."],
  });
