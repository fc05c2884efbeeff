import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { TeamRef, RegisteredTeam } from "@troupe/nats";
import { TeamRegistry } from "@troupe/nats";
import { readTeamSource, validateTeam } from "@troupe/patterns";
import { allowedImports, type ImportFlags } from "./allowed-imports.js";
import { UsageError, type CliIO } from "./cli-io.js";

/**
 * The teams `troupe orchestrator --team <spec file>` registers: each spec read (sub-team files
 * inlined) and validated as `troupe run` would, imports loaded from its own directory (the
 * operator chose it) and any `--allow-imports` dir; versioned by the sha256 of the file.
 *
 * @example
 * const teams = await registeredTeams(["examples/order-saga/team.yaml"], flags, io);
 * // [{ name: "order-saga", version: "3f2a…", source: { raw, baseDir, file } }]
 */
export async function registeredTeams(
  files: readonly string[],
  flags: ImportFlags,
  io: CliIO,
): Promise<RegisteredTeam[]> {
  const teams: RegisteredTeam[] = [];
  for (const file of files) {
    const path = resolve(io.cwd, file);
    const source = readTeamSource(path);
    const spec = await validateTeam(source, { allowImports: allowedImports(source.baseDir, flags, io) });
    teams.push({ name: spec.name, version: TeamRegistry.versionOf(readFileSync(path)), source });
  }
  new TeamRegistry(teams); // refuses two teams of one name before the orchestrator connects anywhere
  return teams;
}

/**
 * `--team <name>[@<version>]` as a request's team reference.
 *
 * @example
 * parseTeamRef("order-saga@3f2a9c0d1e4b"); // { name: "order-saga", version: "3f2a9c0d1e4b" }
 */
export function parseTeamRef(value: string): TeamRef {
  const at = value.lastIndexOf("@");
  const name = (at < 0 ? value : value.slice(0, at)).trim();
  const version = at < 0 ? undefined : value.slice(at + 1).trim();
  if (!name || version === "")
    throw new UsageError(
      `--team takes <name> or <name>@<version> (as troupe orchestrator --team prints them), got "${value}"`,
    );
  return version === undefined ? { name } : { name, version };
}
