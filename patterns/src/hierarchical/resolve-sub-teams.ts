import { relative, resolve, sep } from "node:path";
import {
  AgentSpecSchema,
  isTroupeError,
  readSpecFile,
  specError,
  specLimitProblems,
  type SpecProblem,
} from "@troupe/core";
import { isRecord, withTeamModel } from "./sub-team-spec.js";

/**
 * Prepares a hierarchical spec for validation: reads sub-teams given as file paths (relative to
 * the spec that names them), moves their `imports` to the top-level team (rebased), and lifts
 * every sub-team agent into its parent's `agents`, so the top-level team serves the whole tree.
 * Other specs come back unchanged; a prepared spec comes back unchanged (it is idempotent).
 * Throws SPEC_INVALID when a sub-team file is missing, unreadable or includes itself.
 *
 * @example
 * const { raw, baseDir, file } = readSpecFile("org.yaml");
 * const spec = validateSpec(resolveSubTeams(raw, baseDir, file), { patterns: builtinPatterns });
 */
export function resolveSubTeams(raw: unknown, baseDir: string, file?: string): unknown {
  // a spec value past the limits, or with prototype keys, is refused before it is walked or copied
  const limits = specLimitProblems(raw);
  if (limits.length) throw specError(limits, file);
  const problems: SpecProblem[] = [];
  const chain = file ? [resolve(file)] : [];
  const resolved = resolveLevel(raw, baseDir, "", chain, problems);
  if (problems.length) throw specError(problems, file);
  return resolved;
}

function resolveLevel(raw: unknown, baseDir: string, path: string, chain: string[], problems: SpecProblem[]): unknown {
  if (!isRecord(raw) || raw.pattern !== "hierarchical" || !isRecord(raw.teams)) return raw;
  const imports = Array.isArray(raw.imports) ? [...(raw.imports as unknown[])] : [];
  const teams: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw.teams)) {
    const at = `${path}teams.${key}`;
    const loaded =
      typeof value === "string" ? readSubTeamFile(value, baseDir, at, chain, problems) : { raw: value, baseDir, chain };
    if (!loaded) {
      teams[key] = value;
      continue;
    }
    const sub = resolveLevel(loaded.raw, loaded.baseDir, `${at}.`, loaded.chain, problems);
    if (isRecord(sub) && Array.isArray(sub.imports)) {
      const { imports: own, ...rest } = sub;
      for (const entry of own as unknown[]) {
        const rebased = typeof entry === "string" ? rebase(entry, loaded.baseDir, baseDir) : entry;
        if (!imports.includes(rebased)) imports.push(rebased);
      }
      teams[key] = rest;
    } else {
      teams[key] = sub;
    }
  }
  // agents that are not a mapping are left for validation to report
  if (raw.agents !== undefined && !isRecord(raw.agents))
    return { ...raw, teams, ...(imports.length || "imports" in raw ? { imports } : {}) };
  const agents: Record<string, unknown> = { ...(raw.agents ?? {}) };
  for (const team of Object.values(teams)) {
    if (!isRecord(team) || !isRecord(team.agents)) continue;
    for (const [name, agent] of Object.entries(team.agents)) {
      const served = isRecord(agent) ? withTeamModel(agent, team.model) : agent;
      // a name already taken, or an entry that is not a valid agent, is left for validation to
      // report at its path in the sub-team
      if (!Object.hasOwn(agents, name) && AgentSpecSchema.safeParse(served).success) agents[name] = served;
    }
  }
  return { ...raw, agents, teams, ...(imports.length || "imports" in raw ? { imports } : {}) };
}

function readSubTeamFile(entry: string, baseDir: string, at: string, chain: string[], problems: SpecProblem[]) {
  const target = resolve(baseDir, entry);
  if (chain.includes(target)) {
    const cycle = [...chain.slice(chain.indexOf(target)), target].map((f) => relative(baseDir, f) || f).join(" -> ");
    problems.push({
      path: at,
      message: `${JSON.stringify(entry)} includes itself (${cycle}); a team cannot be its own sub-team`,
    });
    return undefined;
  }
  try {
    const source = readSpecFile(target);
    return { raw: source.raw, baseDir: source.baseDir, chain: [...chain, target] };
  } catch (error) {
    const inner = isTroupeError(error) ? (error.details?.problems as SpecProblem[] | undefined) : undefined;
    if (inner?.length)
      for (const p of inner)
        problems.push({ path: at, message: `in ${JSON.stringify(entry)}: ${p.path}: ${p.message}` });
    else
      problems.push({
        path: at,
        message: `cannot read ${JSON.stringify(entry)}: ${error instanceof Error ? error.message : String(error)}`,
      });
    return undefined;
  }
}

/** An import path written relative to `from`, rewritten relative to `to`. */
function rebase(entry: string, from: string, to: string): string {
  const path = relative(to, resolve(from, entry)).split(sep).join("/");
  return path.startsWith(".") || path.startsWith("/") ? path : `./${path}`;
}
