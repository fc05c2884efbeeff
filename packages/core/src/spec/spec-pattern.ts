import type { z } from "zod";
import type { TeamSpec } from "./team-spec.js";

/** One thing wrong with a spec, at a path such as `agents.writer.tools[0]`. */
export interface SpecProblem {
  path: string;
  message: string;
}

/**
 * What validating a spec needs of a pattern: its name, its own top-level keys and its cross-key
 * checks. A pattern (definePattern) is one of these plus how it compiles to a graph.
 */
export interface SpecPattern<Options extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  /** The pattern's own top-level spec keys (e.g. `supervisor`); strict. */
  options: Options;
  /** Checks across keys: referenced agents exist, every agent is reachable, ... */
  check?(spec: TeamSpec & z.output<Options>): SpecProblem[];
}
