import { loadTeam as loadWith, readSpecFile, resolveSpec, type AnyPattern, type BuildOptions, type SpecSource, type Team, type TeamSpec } from "@troupe/core";
import { builtinPatterns } from "./builtin-patterns.js";
import { withSubTeamPatterns } from "./hierarchical/hierarchical-pattern.js";
import { resolveSubTeams } from "./hierarchical/resolve-sub-teams.js";

export type LoadTeamOptions = Omit<BuildOptions, "patterns"> & {
  /** Your own patterns (definePattern), beside the built-ins. */
  patterns?: Iterable<AnyPattern>;
};

/**
 * Loads a team from a YAML/JSON spec file (or a spec value) with every built-in pattern available.
 * Sub-teams of a hierarchical spec given as file paths are read relative to the spec, and may use
 * any of those patterns (yours included).
 *
 * @example
 * const team = await loadTeam("examples/research-team/team.yaml");
 * console.log((await team.run("Brief me on sagas")).output);
 */
export async function loadTeam(source: string | SpecSource, options: LoadTeamOptions = {}): Promise<Team> {
  const spec = typeof source === "string" ? readSpecFile(source) : source;
  const prepared: SpecSource = { ...spec, raw: resolveSubTeams(spec.raw, spec.baseDir, spec.file) };
  return loadWith(prepared, { ...options, patterns: withSubTeamPatterns([...builtinPatterns, ...(options.patterns ?? [])]) });
}

/**
 * Validates a spec file (or value) exactly as loadTeam would, imports included, without building
 * the team. Throws SPEC_INVALID with one path-named line per problem.
 *
 * @example
 * const spec = await validateTeam("examples/research-team/team.yaml");
 */
export async function validateTeam(source: string | SpecSource, options: { patterns?: Iterable<AnyPattern> } = {}): Promise<TeamSpec> {
  const spec = typeof source === "string" ? readSpecFile(source) : source;
  const raw = resolveSubTeams(spec.raw, spec.baseDir, spec.file);
  const patterns = withSubTeamPatterns([...builtinPatterns, ...(options.patterns ?? [])]);
  return (await resolveSpec(raw, spec.baseDir, { patterns }, spec.file)).spec;
}
