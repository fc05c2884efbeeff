import type { Agent, Team } from "@troupe/core";
import { teamFromAgents, type BuilderOptions } from "../team-from-agents.js";
import { supervisorPattern } from "./supervisor-pattern.js";

export interface SupervisorTeamOptions extends BuilderOptions {
  lead: Agent;
  workers: Agent[];
}

/**
 * A supervisor team from agents defined in code.
 *
 * @example
 * const team = supervisor({ name: "research", lead, workers: [researcher, writer], limits: { maxTurns: 12 } });
 * const result = await team.run("Brief me on saga compensation", { threadId: "t-42" });
 */
export function supervisor(options: SupervisorTeamOptions): Team {
  const { lead, workers, ...rest } = options;
  return teamFromAgents(
    supervisorPattern,
    [lead, ...workers],
    { supervisor: lead.name, workers: workers.map((w) => w.name) },
    rest,
  );
}
