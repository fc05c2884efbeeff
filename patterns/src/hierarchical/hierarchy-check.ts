import { fallbackAgents } from "../pattern-helpers.js";
import { AgentSpecSchema, didYouMean, TeamState, type SpecProblem, type TeamSpec } from "@troupe/core";
import {
  checkSubTeam,
  isRecord,
  sameAgent,
  withTeamModel,
  type PatternSource,
  type SubTeamValue,
} from "./sub-team-spec.js";

/** A validated hierarchical spec. */
export type HierarchicalSpec = TeamSpec & {
  supervisor: string;
  workers?: string[] | undefined;
  teams: Record<string, SubTeamValue>;
};

const RESERVED = new Set(Object.keys(TeamState.spec));

/** The sub-team each agent of a sub-team belongs to (the first one listing it). */
export function subTeamOwners(teams: Record<string, SubTeamValue>): Map<string, string> {
  const owners = new Map<string, string>();
  for (const [key, team] of Object.entries(teams)) {
    if (!isRecord(team) || !isRecord(team.agents)) continue;
    for (const name of Object.keys(team.agents)) if (!owners.has(name)) owners.set(name, key);
  }
  return owners;
}

/** The team's own agents: those not lifted from a sub-team. */
export function ownAgents(spec: HierarchicalSpec): string[] {
  const owners = subTeamOwners(spec.teams);
  return Object.keys(spec.agents).filter((a) => !owners.has(a));
}

/** Who the supervisor may delegate to: listed, or every own agent but the supervisor plus every sub-team. */
export function hierarchyWorkers(spec: HierarchicalSpec): string[] {
  return spec.workers ?? [...ownAgents(spec).filter((a) => a !== spec.supervisor), ...Object.keys(spec.teams)];
}

/**
 * The cross-checks of a hierarchical spec: each sub-team is checked with its own pattern (problem
 * paths prefixed `teams.<name>.`), agent names are unique across the tree, and the supervisor and
 * workers name this team's own agents or its sub-teams.
 */
export function checkHierarchy(spec: HierarchicalSpec, patterns: PatternSource): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const owners = new Map<string, string>();
  if (Object.keys(spec.teams).length === 0)
    problems.push({
      path: "teams",
      message: "list at least one sub-team (a team without sub-teams is pattern: supervisor)",
    });
  for (const [key, value] of Object.entries(spec.teams)) {
    const at = `teams.${key}`;
    if (typeof value === "string") {
      problems.push({
        path: at,
        message: `sub-team file ${JSON.stringify(value)} was not read; load the spec with loadTeam from @troupe/patterns, which reads sub-team files relative to the spec`,
      });
      continue;
    }
    if (Object.hasOwn(spec.agents, key))
      problems.push({ path: at, message: `"${key}" names both a sub-team and an agent; rename one` });
    if (RESERVED.has(key))
      problems.push({ path: at, message: `"${key}" is reserved (a team state key); rename the sub-team` });
    if (Array.isArray(value.imports) && value.imports.length) {
      problems.push({
        path: `${at}.imports`,
        message: "list imports on the top-level team (loadTeam moves a sub-team file's imports there)",
      });
    }
    if (isRecord(value.limits) && value.limits.agentTimeoutMs !== undefined) {
      problems.push({
        path: `${at}.limits.agentTimeoutMs`,
        message: "applies to every agent of the tree; set it on the top-level team",
      });
    }
    const sub = checkSubTeam(key, value, patterns);
    problems.push(
      ...sub.problems.map((p) => ({ path: p.path === "(root)" ? at : `${at}.${p.path}`, message: p.message })),
    );
    for (const [name, agent] of Object.entries(isRecord(value.agents) ? value.agents : {})) {
      const path = `${at}.agents.${name}`;
      const prior = owners.get(name);
      if (prior !== undefined) {
        problems.push({
          path,
          message: `agent name "${name}" is already used by teams.${prior}.agents.${name}; agent names are unique across the whole tree`,
        });
        continue;
      }
      if (
        Object.hasOwn(spec.agents, name) &&
        isRecord(agent) &&
        !sameAgent(spec.agents[name], withTeamModel(agent, value.model))
      ) {
        problems.push({
          path,
          message: `agent name "${name}" is already used by agents.${name}; agent names are unique across the whole tree`,
        });
        continue;
      }
      owners.set(name, key);
      // an invalid entry is reported by the sub-team's own check
      if (!Object.hasOwn(spec.agents, name) && AgentSpecSchema.safeParse(agent).success) {
        problems.push({
          path,
          message:
            "missing from the team's agents: the top-level team serves every agent of the tree; load the spec with loadTeam from @troupe/patterns, which lifts sub-team agents",
        });
      }
    }
  }
  problems.push(...checkLeadAndWorkers(spec, owners));
  return problems;
}

function checkLeadAndWorkers(spec: HierarchicalSpec, owners: Map<string, string>): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const own = Object.keys(spec.agents).filter((a) => !owners.has(a));
  const teams = Object.keys(spec.teams);
  const lead = spec.supervisor;
  if (!Object.hasOwn(spec.agents, lead)) {
    problems.push({
      path: "supervisor",
      message: `unknown agent ${JSON.stringify(lead)}${didYouMean(lead, own)}; define it under agents`,
    });
  } else if (owners.has(lead)) {
    problems.push({
      path: "supervisor",
      message: `"${lead}" is an agent of teams.${owners.get(lead)}; the supervisor must be one of this team's own agents`,
    });
  }
  spec.workers?.forEach((w, i) => {
    const at = `workers[${i}]`;
    if (owners.has(w))
      problems.push({
        path: at,
        message: `"${w}" is an agent of teams.${owners.get(w)}; list the team "${owners.get(w)}" instead`,
      });
    else if (!Object.hasOwn(spec.agents, w) && !teams.includes(w))
      problems.push({
        path: at,
        message: `unknown agent or sub-team ${JSON.stringify(w)}${didYouMean(w, [...own, ...teams])}`,
      });
    else if (w === lead)
      problems.push({ path: at, message: `"${w}" is the supervisor; it cannot also be its own worker` });
    if (spec.workers!.indexOf(w) !== i) problems.push({ path: at, message: `"${w}" is listed twice` });
  });
  if (hierarchyWorkers(spec).length === 0)
    problems.push({ path: "workers", message: `the supervisor "${lead}" needs at least one worker or sub-team` });
  if (spec.workers) {
    const fallbacks = fallbackAgents(spec);
    for (const a of own)
      if (a !== lead && !spec.workers.includes(a) && !fallbacks.has(a))
        problems.push({ path: `agents.${a}`, message: "unreachable: not the supervisor and not listed in workers" });
    for (const t of teams)
      if (!spec.workers.includes(t))
        problems.push({ path: `teams.${t}`, message: "unreachable: not listed in workers" });
  }
  return problems;
}
