import { resolve } from "node:path";
import { validateTeam } from "@troupe/patterns";
import type { CliIO } from "../cli-io.js";

/** Exit 0 with a summary when the spec is valid; SPEC_INVALID (one line per problem) otherwise. */
export async function validateCommand(specPath: string, io: CliIO): Promise<number> {
  const spec = await validateTeam(resolve(io.cwd, specPath));
  io.out(`✓ ${specPath} is valid: team "${spec.name}", pattern ${spec.pattern}, ${Object.keys(spec.agents).length} agents, maxTurns ${spec.limits.maxTurns}`);
  return 0;
}
