import { TroupeError, type Agent, type Limits, type Team } from "@troupe/core";
import { builtinPatterns } from "../builtin-patterns.js";
import { agentSpecOf } from "../pattern-helpers.js";
import { teamFromAgents, type BuilderOptions } from "../team-from-agents.js";
import { withSubTeamPatterns } from "./hierarchical-pattern.js";

type SubTeamLimitOptions = Partial<Pick<Limits, "maxTurns" | "maxTokens" | "maxCostUsd">>;

/** A sub-team led by a supervisor: a `supervisor` team, or a `hierarchical` one when it has sub-teams. */
export interface SubTeamOptions {
  supervisor: Agent;
  workers?: Agent[];
  teams?: Record<string, SubTeamOptions | PatternSubTeamOptions>;
  /** How the parent's supervisor sees this team (default: its members and their descriptions). */
  description?: string;
  /** Caps on one delegation to this team; the top-level limits bound the whole tree. */
  limits?: SubTeamLimitOptions;
}

/** A sub-team with any registered pattern: its agents and the pattern's own spec keys. */
export interface PatternSubTeamOptions {
  /** A pattern name: "supervisor", "handoff", "swarm", "network", or one of `patterns`. */
  pattern: string;
  agents: Agent[];
  /** The pattern's own spec keys, e.g. `{ entry: "triage" }`. */
  options?: Record<string, unknown>;
  description?: string;
  limits?: SubTeamLimitOptions;
}

export interface HierarchicalTeamOptions extends BuilderOptions {
  supervisor: Agent;
  /** Agents of this team the supervisor may delegate to, beside its sub-teams. */
  workers?: Agent[];
  teams: Record<string, SubTeamOptions | PatternSubTeamOptions>;
}

/**
 * A hierarchical team from agents defined in code: a supervisor with workers and sub-teams, each
 * sub-team led by its own supervisor (nest `teams` for any depth) or built with any pattern.
 *
 * @example
 * const team = hierarchical({
 *   name: "org", supervisor: ceo, workers: [assistant], limits: { maxTurns: 20 },
 *   teams: {
 *     research: { supervisor: researchLead, workers: [searcher], teams: { facts: { supervisor: factLead, workers: [checker] } } },
 *     writing: { supervisor: editor, workers: [writer] },
 *   },
 * });
 * const result = await team.run("Brief me on saga compensation", { threadId: "t-42" });
 */
export function hierarchical(options: HierarchicalTeamOptions): Team {
  const { supervisor, workers = [], teams, patterns: extra, ...rest } = options;
  const agents = new Map<string, { agent: Agent; at: string }>();
  const root = hierarchyOf({ supervisor, workers, teams }, "", agents);
  const registry = withSubTeamPatterns([...builtinPatterns, ...(extra ?? [])]);
  const self = registry.find((p) => p.name === "hierarchical")!;
  const patternOptions = { supervisor: root.supervisor, workers: root.workers, teams: root.teams };
  return teamFromAgents(
    self,
    [...agents.values()].map((a) => a.agent),
    patternOptions,
    { ...rest, patterns: registry.filter((p) => p !== self) },
  );
}

function hierarchyOf(
  node: SubTeamOptions,
  at: string,
  seen: Map<string, { agent: Agent; at: string }>,
): Record<string, unknown> {
  const workers = node.workers ?? [];
  const own = [node.supervisor, ...workers];
  for (const agent of own) remember(agent, at, seen);
  const teams = Object.entries(node.teams ?? {});
  const spec: Record<string, unknown> = {
    pattern: teams.length ? "hierarchical" : "supervisor",
    supervisor: node.supervisor.name,
    workers: [...workers.map((w) => w.name), ...teams.map(([key]) => key)],
    agents: Object.fromEntries(own.map((a) => [a.name, agentSpecOf(a)])),
    ...(node.description ? { description: node.description } : {}),
    ...(node.limits ? { limits: node.limits } : {}),
  };
  if (teams.length)
    spec.teams = Object.fromEntries(teams.map(([key, team]) => [key, subTeamSpec(team, `${at}teams.${key}.`, seen)]));
  return spec;
}

function subTeamSpec(
  team: SubTeamOptions | PatternSubTeamOptions,
  at: string,
  seen: Map<string, { agent: Agent; at: string }>,
): Record<string, unknown> {
  if (!("pattern" in team)) {
    const spec = hierarchyOf(team, at, seen);
    // lift the whole subtree's agents into this team, as loadTeam does for a YAML spec
    const lifted = [...seen.values()]
      .filter((a) => a.at.startsWith(at))
      .map((a) => [a.agent.name, agentSpecOf(a.agent)] as const);
    return { ...spec, agents: { ...(spec.agents as object), ...Object.fromEntries(lifted) } };
  }
  for (const agent of team.agents) remember(agent, at, seen);
  return {
    pattern: team.pattern,
    agents: Object.fromEntries(team.agents.map((a) => [a.name, agentSpecOf(a)])),
    ...(team.description ? { description: team.description } : {}),
    ...(team.limits ? { limits: team.limits } : {}),
    ...team.options,
  };
}

function remember(agent: Agent, at: string, seen: Map<string, { agent: Agent; at: string }>): void {
  const prior = seen.get(agent.name);
  if (prior && prior.agent !== agent) {
    throw new TroupeError(
      "SPEC_INVALID",
      `${at}agents.${agent.name}: agent name "${agent.name}" is already used by ${prior.at}agents.${agent.name}; agent names are unique across the whole tree`,
    );
  }
  if (!prior) seen.set(agent.name, { agent, at });
}
