import type { z } from "zod";
import { isAgent, type Agent, type Team } from "@troupe/core";
import { teamFromAgents, type BuilderOptions } from "../team-from-agents.js";
import { networkPattern } from "./network-pattern.js";
import type { NetworkTermination } from "./network-spec.js";

export interface NetworkTeamOptions extends BuilderOptions {
  /** The peers; the first speaks first unless `entry` says otherwise. */
  agents: Agent[];
  /** Who each peer may pass the floor to, by name (default: everyone to everyone). */
  links?: Record<string, string[]>;
  /** `round_robin` (default), `model` (served with `model`), or an agent that moderates and does not speak. */
  router?: "round_robin" | "model" | Agent;
  termination?: z.input<typeof NetworkTermination>;
  /** The peer that speaks first on each user message. */
  entry?: string;
}

/**
 * A network team from agents defined in code: peers take turns on a shared blackboard until a
 * termination condition holds.
 *
 * @example
 * const team = network({ name: "panel", agents: [optimist, skeptic, editor], router: "round_robin", termination: { maxTurns: 6, phrase: "AGREED" } });
 * const result = await team.run("Should we adopt sagas?", { threadId: "t-7" });
 * const why = (await team.state("t-7"))?.scratch.endReason; // "max_turns" | "phrase" | "finish" | "budget"
 */
export function network(options: NetworkTeamOptions): Team {
  const { agents, links, router, termination, entry, ...rest } = options;
  const moderator = isAgent(router) ? router : undefined;
  const all = moderator && !agents.some((a) => a.name === moderator.name) ? [...agents, moderator] : agents;
  const patternOptions = {
    router: moderator ? moderator.name : (router ?? "round_robin"),
    ...(links ? { links } : {}),
    ...(termination ? { termination } : {}),
    ...(entry ? { entry } : {}),
  };
  return teamFromAgents(networkPattern, all, patternOptions, rest);
}
