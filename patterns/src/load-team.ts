import { loadTeam as loadWith, type AnyPattern, type BuildOptions, type SpecSource, type Team } from "@troupe/core";
import { builtinPatterns } from "./builtin-patterns.js";

export type LoadTeamOptions = Omit<BuildOptions, "patterns"> & {
  /** Your own patterns (definePattern), beside the built-ins. */
  patterns?: Iterable<AnyPattern>;
};

/**
 * Loads a team from a YAML/JSON spec file (or a spec value) with every built-in pattern available.
 *
 * @example
 * const team = await loadTeam("examples/research-team/team.yaml");
 * console.log((await team.run("Brief me on sagas")).output);
 */
export function loadTeam(source: string | SpecSource, options: LoadTeamOptions = {}): Promise<Team> {
  return loadWith(source, { ...options, patterns: [...builtinPatterns, ...(options.patterns ?? [])] });
}
