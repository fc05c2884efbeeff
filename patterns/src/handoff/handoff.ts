import type { Agent, Team } from "@troupe/core";
import { teamFromAgents, type BuilderOptions } from "../team-from-agents.js";
import { handoffPattern } from "./handoff-pattern.js";
import { agentsWithEntry, handoffNames } from "./transfer-map.js";

export interface HandoffTeamOptions extends BuilderOptions {
  /** The agent that takes every new user message first. */
  entry: Agent;
  /** The other agents (the entry may be listed too). */
  agents: Agent[];
  /** Allowed transfers, by agent name: `{ triage: [billing, "tech"] }`. */
  handoffs: Readonly<Record<string, ReadonlyArray<Agent | string>>>;
}

/**
 * A handoff team from agents defined in code: the entry agent takes each user message and agents
 * transfer the conversation along the allowed handoffs.
 *
 * @example
 * const team = handoff({ name: "desk", entry: triage, agents: [billing, refunds], handoffs: { triage: [billing], billing: [refunds, triage] } });
 * const result = await team.run("I was charged twice", { threadId: "t-7" });
 */
export function handoff(options: HandoffTeamOptions): Team {
  const { entry, agents, handoffs, ...rest } = options;
  return teamFromAgents(
    handoffPattern,
    agentsWithEntry(entry, agents),
    { entry: entry.name, handoffs: handoffNames(handoffs) },
    rest,
  );
}
