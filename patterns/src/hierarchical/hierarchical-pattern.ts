import { END, START, StateGraph, type StateGraphAddNodeOptions } from "@langchain/langgraph";
import { z } from "zod";
import {
  definePattern,
  SPEC_NAME,
  SPEC_NAME_RULE,
  TeamState,
  TroupeError,
  type AnyPattern,
  type CompileContext,
  type TeamSpec,
} from "@troupe/core";
import { leadPlan, workerPlan } from "../supervisor/supervisor-nodes.js";
import { checkHierarchy, hierarchyWorkers, type HierarchicalSpec } from "./hierarchy-check.js";
import { limitedContext, type SubTeamLimits } from "./sub-team-limits.js";
import { subTeamNode, type SubTeamGraph } from "./sub-team-node.js";
import { checkSubTeam, isRecord, type PatternSource } from "./sub-team-spec.js";

export const HierarchicalOptions = z
  .object({
    /** The agent that leads this team: it routes tasks to workers and sub-teams and decides when the team is done. */
    supervisor: z.string().min(1),
    /** Agents and sub-teams the supervisor may route to (default: every own agent but the supervisor, and every sub-team). */
    workers: z.array(z.string()).min(1, "list at least one worker").optional(),
    /** Sub-teams by name: an inline team spec (its own `pattern` and `agents`), or a path to a spec file relative to this one. */
    teams: z.record(
      z.string().regex(SPEC_NAME, `a team name ${SPEC_NAME_RULE}; rename it`),
      z.union([z.string().min(1), z.record(z.string(), z.unknown())], {
        error: "a team spec (pattern, agents, ...) or the path of a spec file",
      }),
    ),
  })
  .strict();

const made = new WeakSet<AnyPattern>();

/** A compiled graph as LangGraph's `addNode(..., { subgraphs })` takes it. */
type LangGraphSubgraph = NonNullable<StateGraphAddNodeOptions["subgraphs"]>[number];

/**
 * Makes the hierarchical pattern over a registry of patterns its sub-teams may use (itself
 * included). `builtinPatterns` holds one over the built-ins; `withSubTeamPatterns` rebinds it.
 *
 * @example
 * const patterns: AnyPattern[] = [];
 * patterns.push(supervisorPattern, myPattern, createHierarchicalPattern(() => patterns));
 */
export function createHierarchicalPattern(patterns: PatternSource) {
  const pattern = definePattern({
    name: "hierarchical",
    description:
      "A supervisor leads workers and sub-teams; each sub-team (any pattern, any depth) runs as a LangGraph subgraph and answers as one worker",
    options: HierarchicalOptions,
    check: (spec) => checkHierarchy(spec, patterns),
    compile: (spec, ctx) => compileHierarchy(spec, ctx, patterns),
    syntheticAgents(spec) {
      // the agents sub-team patterns add (a network's router, ...), once per name
      const extra = subTeams(spec, patterns).flatMap(({ spec: sub, pattern: p }) => p.syntheticAgents?.(sub) ?? []);
      return [...new Map(extra.map((a) => [a.name, a])).values()];
    },
  });
  made.add(pattern as AnyPattern);
  return pattern;
}

/**
 * The pattern list with every hierarchical pattern rebound to the list itself, so sub-teams may
 * use any pattern in it (your own included).
 *
 * @example
 * // loadTeam and hierarchical({...}) do this for you; validating a spec yourself:
 * const spec = validateSpec(resolveSubTeams(raw, baseDir), { patterns: withSubTeamPatterns([...builtinPatterns, pipeline]) });
 */
export function withSubTeamPatterns(patterns: Iterable<AnyPattern>): AnyPattern[] {
  const list: AnyPattern[] = [];
  const self = createHierarchicalPattern(() => list) as AnyPattern;
  for (const p of patterns) list.push(made.has(p) ? self : p);
  return list;
}

interface SubTeam {
  key: string;
  spec: TeamSpec;
  pattern: AnyPattern;
  limits: SubTeamLimits | undefined;
}

function subTeams(spec: HierarchicalSpec, patterns: PatternSource): SubTeam[] {
  return Object.entries(spec.teams).map(([key, value]) => {
    const check = isRecord(value) ? checkSubTeam(key, value, patterns) : undefined;
    const pattern = [...patterns()].find((p) => p.name === check?.spec?.pattern);
    if (!check?.spec || !pattern || !isRecord(value)) {
      const problems = check?.problems.map((p) => `${p.path}: ${p.message}`).join("; ") ?? "not loaded";
      throw new TroupeError(
        "SPEC_INVALID",
        `sub-team "${key}" of team "${spec.name}" is not a valid team spec (${problems}); validate the spec first`,
      );
    }
    const limits = isRecord(value.limits) ? ownLimits(value.limits) : undefined;
    return { key, spec: check.spec, pattern, limits };
  });
}

function ownLimits(raw: Record<string, unknown>): SubTeamLimits {
  const picked: SubTeamLimits = {};
  for (const key of ["maxTurns", "maxTokens", "maxCostUsd"] as const)
    if (typeof raw[key] === "number") picked[key] = raw[key];
  return picked;
}

function compileHierarchy(spec: HierarchicalSpec, ctx: CompileContext, patterns: PatternSource) {
  const lead = spec.supervisor;
  const workers = hierarchyWorkers(spec);
  const teams = new Map(subTeams(spec, patterns).map((t) => [t.key, t]));
  const targets = workers.map((name) => ({ name, description: describeWorker(spec, teams.get(name), name) }));
  const offers = [{ kind: "route" as const, targets }, { kind: "finish" as const }];
  const context =
    `You lead the team "${spec.name}". Give one self-contained task at a time to a teammate with the delegate tool; ` +
    `some teammates are whole teams with their own lead, and answer like any teammate. ` +
    `You will see each result. When the user's request is fully answered, call finish with the final answer.`;
  const graph = new StateGraph(TeamState)
    .addNode(lead, ctx.agentNode(lead, leadPlan(lead, offers, context)), { ends: [...workers, END] })
    .addEdge(START, lead);
  for (const worker of workers) {
    const team = teams.get(worker);
    if (team) {
      // compiled without a checkpointer: run inside this node, it checkpoints with the parent's, under its own namespace
      const sub = team.pattern
        .compile(team.spec, limitedContext({ ...ctx, spec: team.spec }))
        .compile({ name: worker }) as SubTeamGraph & LangGraphSubgraph;
      const node = subTeamNode({ team: worker, graph: sub, lead, limits: team.limits, topLimits: spec.limits });
      // `subgraphs` lets LangGraph see the sub-team graph (drawing with xray, state with subgraphs)
      graph.addNode(worker, node, { ends: [lead, END], subgraphs: [sub] });
      continue;
    }
    graph.addNode(worker, ctx.agentNode(worker, workerPlan(spec, worker, lead)), { ends: [lead, END] });
  }
  return graph;
}

function describeWorker(spec: HierarchicalSpec, team: SubTeam | undefined, name: string): string {
  if (!team) return spec.agents[name]?.description ?? name;
  if (team.spec.description) return team.spec.description;
  const members = Object.entries(team.spec.agents).map(([a, entry]) => `${a} (${entry.description})`);
  return `the ${name} team: ${members.join(", ")}`;
}
