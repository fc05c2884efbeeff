import {
  buildTeam,
  readSpecFile,
  resolveSpec,
  type AnyPattern,
  type BuildOptions,
  type SpecSource,
  type Team,
  type TeamSpec,
} from "@troupe/core";
import { builtinPatterns } from "./builtin-patterns.js";
import { withSubTeamPatterns } from "./hierarchical/hierarchical-pattern.js";
import { resolveSubTeams } from "./hierarchical/resolve-sub-teams.js";

export type LoadTeamOptions = Omit<BuildOptions, "patterns"> & {
  /** Your own patterns (definePattern), beside the built-ins. */
  patterns?: Iterable<AnyPattern>;
};

/**
 * Reads a spec file (or takes a spec value) and makes it self-contained the way loadTeam needs
 * it: sub-teams of a hierarchical spec given as file paths are read relative to the spec and
 * inlined, their imports moved to the top level and their agents lifted. The result can cross
 * the wire (`troupe submit`) and be loaded elsewhere; preparing it again changes nothing.
 *
 * @example
 * const { raw, baseDir } = readTeamSource("examples/patterns/hierarchical.yaml");
 * await submitRun(bus, { spec: raw as Record<string, unknown>, baseDir, input: "Brief me" });
 */
export function readTeamSource(source: string | SpecSource): SpecSource {
  const spec = typeof source === "string" ? readSpecFile(source) : source;
  return { ...spec, raw: resolveSubTeams(spec.raw, spec.baseDir, spec.file) };
}

/**
 * Loads a team from a YAML/JSON spec file (or a spec value) with every built-in pattern available.
 * Sub-teams of a hierarchical spec given as file paths are read relative to the spec, and may use
 * any of those patterns (yours included). The CLI, `troupe submit` and the orchestrators all load
 * teams with this function, so a spec runs the same locally and distributed. Its `imports:` load
 * only from `allowImports` (default: the spec's own directory and below).
 *
 * @example
 * const team = await loadTeam("examples/research-team/team.yaml");
 * console.log((await team.run("Brief me on sagas")).output);
 */
export async function loadTeam(source: string | SpecSource, options: LoadTeamOptions = {}): Promise<Team> {
  const { raw, baseDir, file } = readTeamSource(source);
  const build = { ...options, patterns: patternsWith(options.patterns) };
  const { spec, tools, agents, steps } = await resolveSpec(raw, baseDir, build, file);
  return buildTeam(spec, { ...build, tools, agents, steps, baseDir });
}

/**
 * Validates a spec file (or value) exactly as loadTeam would, imports included, without building
 * the team. Throws SPEC_INVALID with one path-named line per problem, IMPORT_NOT_ALLOWED for an
 * import outside `allowImports` (default: the spec's directory).
 *
 * @example
 * const spec = await validateTeam("examples/research-team/team.yaml");
 */
export async function validateTeam(
  source: string | SpecSource,
  options: { patterns?: Iterable<AnyPattern>; allowImports?: readonly string[] } = {},
): Promise<TeamSpec> {
  const { raw, baseDir, file } = readTeamSource(source);
  return (
    await resolveSpec(
      raw,
      baseDir,
      {
        patterns: patternsWith(options.patterns),
        ...(options.allowImports ? { allowImports: options.allowImports } : {}),
      },
      file,
    )
  ).spec;
}

function patternsWith(extra: Iterable<AnyPattern> = []): AnyPattern[] {
  return withSubTeamPatterns([...builtinPatterns, ...extra]);
}
