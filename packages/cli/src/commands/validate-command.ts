import { dirname, resolve } from "node:path";
import { validateTeam } from "@troupe/patterns";
import type { CliIO } from "../cli-io.js";
import { allowedImports, type ImportFlags } from "../allowed-imports.js";

/** Exit 0 with a summary when the spec is valid; SPEC_INVALID (one line per problem) otherwise. */
export async function validateCommand(specPath: string, flags: ImportFlags, io: CliIO): Promise<number> {
  const file = resolve(io.cwd, specPath);
  const spec = await validateTeam(file, { allowImports: allowedImports(dirname(file), flags, io) });
  io.out(
    `✓ ${specPath} is valid: team "${spec.name}", pattern ${spec.pattern}, ${Object.keys(spec.agents).length} agents, maxTurns ${spec.limits.maxTurns}`,
  );
  return 0;
}
