import type { Agent, Team } from "@troupe/core";
import { agentsWithEntry, handoffNames } from "../handoff/transfer-map.js";
import { teamFromAgents, type BuilderOptions } from "../team-from-agents.js";
import { swarmPattern } from "./swarm-pattern.js";

export interface SwarmTeamOptions extends BuilderOptions {
  /** The agent that takes a thread's first user message. */
  entry: Agent;
  /** The other agents (the entry may be listed too). */
  agents: Agent[];
  /** Allowed transfers by agent name (default: all-to-all). */
  handoffs?: Readonly<Record<string, ReadonlyArray<Agent | string>>>;
}

/**
 * A swarm team from agents defined in code: agents transfer the conversation among themselves, and
 * the agent active last takes the thread's next user message.
 *
 * @example
 * const team = swarm({ name: "travel", entry: flights, agents: [hotels] });
 * await team.run("Book me a flight to Oslo", { threadId: "trip-1" });
 * await team.run("And a hotel near the station", { threadId: "trip-1" }); // starts with the agent active last
 */
export function swarm(options: SwarmTeamOptions): Team {
  const { entry, agents, handoffs, ...rest } = options;
  return teamFromAgents(
    swarmPattern,
    agentsWithEntry(entry, agents),
    { entry: entry.name, ...(handoffs ? { handoffs: handoffNames(handoffs) } : {}) },
    rest,
  );
}
