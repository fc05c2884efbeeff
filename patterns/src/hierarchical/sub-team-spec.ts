import { AgentSpecSchema, checkSpec, type AgentSpec, type AnyPattern, type SpecCheck } from "@troupe/core";

/** Where a hierarchical pattern finds the patterns its sub-teams name. */
export type PatternSource = () => Iterable<AnyPattern>;

/** A sub-team as a spec holds it: an inline team spec, or (before loading) a file path. */
export type SubTeamValue = string | Record<string, unknown>;

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A sub-team's spec with its key as the default name. */
export function subTeamRaw(key: string, value: Record<string, unknown>): Record<string, unknown> {
  return { name: key, ...value };
}

/**
 * Checks an inline sub-team with its own pattern. Tool and model names it uses count as known
 * here: they are checked where the team serves the agents, on the lifted copies in `agents`.
 */
export function checkSubTeam(key: string, value: Record<string, unknown>, patterns: PatternSource): SpecCheck {
  const raw = subTeamRaw(key, value);
  const agents = isRecord(raw.agents) ? Object.values(raw.agents).filter(isRecord) : [];
  const tools = agents.flatMap((a) =>
    Array.isArray(a.tools) ? a.tools.filter((t): t is string => typeof t === "string") : [],
  );
  const models = [raw.model, ...agents.map((a) => a.model)].filter((m): m is string => typeof m === "string");
  return checkSpec(raw, { patterns: patterns(), tools, models });
}

/** An agent as its team serves it: the team's default model applies when the agent names none. */
export function withTeamModel<T extends Record<string, unknown> | AgentSpec>(agent: T, model: unknown): T {
  return typeof model === "string" && agent.model === undefined ? { ...agent, model } : agent;
}

/** True when two agent entries define the same agent (after defaults). */
export function sameAgent(a: unknown, b: unknown): boolean {
  const x = AgentSpecSchema.safeParse(a);
  const y = AgentSpecSchema.safeParse(b);
  if (!x.success || !y.success) return false;
  const [p, q] = [x.data, y.data];
  return (
    p.description === q.description &&
    p.instructions === q.instructions &&
    p.model === q.model &&
    p.maxSteps === q.maxSteps &&
    p.tools.length === q.tools.length &&
    p.tools.every((t, i) => t === q.tools[i])
  );
}
