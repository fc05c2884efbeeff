import type { z } from "zod";
import type { Agent, StepDefinition, Team, Tool } from "@troupe/core";
import { teamFromAgents, type BuilderOptions } from "../team-from-agents.js";
import { customPattern } from "./custom-pattern.js";
import type { GraphSpec } from "./custom-spec.js";

export interface CustomTeamOptions extends BuilderOptions {
  /** Every agent a node runs. */
  agents: Agent[];
  /** Tools that `tool:` nodes call (agents' own tools need not be listed). */
  tools?: Tool[];
  /** Steps that `step:` nodes run. */
  steps?: StepDefinition[];
  /** The workflow, as in a spec's `graph` key; nodes name agents, tools and steps. */
  graph: z.input<typeof GraphSpec>;
}

/**
 * A team whose workflow is a graph: agent, tool and step nodes, conditional edges, parallel
 * fan-out with a join, loops with limits.
 *
 * @example
 * const team = custom({
 *   name: "review", agents: [writer, critic], limits: { maxTurns: 10 },
 *   graph: {
 *     entry: "writer",
 *     nodes: { writer: { agent: "writer", task: "Write about: {{input}}\n\nFeedback: {{outputs.critic}}" }, critic: { agent: "critic" } },
 *     edges: [
 *       { from: "writer", to: "critic" },
 *       { from: "critic", to: "writer", when: { path: "outputs.critic", contains: "REVISE" }, limit: 2 },
 *       { from: "critic", to: "end" },
 *     ],
 *   },
 * });
 * const result = await team.run("saga compensation", { threadId: "t-1" });
 */
export function custom(options: CustomTeamOptions): Team {
  const { agents, tools, steps, graph, ...rest } = options;
  return teamFromAgents(customPattern, agents, { graph }, rest, {
    ...(tools ? { tools } : {}),
    ...(steps ? { steps } : {}),
  });
}
