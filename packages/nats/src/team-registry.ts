import { createHash } from "node:crypto";
import { TroupeError, type SpecSource } from "@troupe/core";
import type { TeamRef } from "./run-request.js";

/** A team an orchestrator runs by name: its spec as the operator gave it at start, and its version. */
export interface RegisteredTeam {
  /** The spec's `name:`. */
  name: string;
  /** What a request's `team.version` must equal: {@link TeamRegistry.versionOf} the spec file's bytes. */
  version: string;
  /** The spec (sub-team files inlined) and its directory, which its `imports:` may load from. */
  source: SpecSource;
}

/**
 * The teams an orchestrator was started with, one version per name. Run requests naming a team
 * are built from these specs, so a requester picks a team but never the code it runs.
 *
 * @example
 * const registry = new TeamRegistry([{ name: "order-saga", version: TeamRegistry.versionOf(text), source }]);
 * const team = registry.resolve({ name: "order-saga" }); // throws TEAM_UNKNOWN for names it lacks
 */
export class TeamRegistry {
  private readonly byName = new Map<string, RegisteredTeam>();

  constructor(teams: readonly RegisteredTeam[] = []) {
    for (const team of teams) {
      const other = this.byName.get(team.name);
      if (other) {
        const where = [other.source.file ?? other.source.baseDir, team.source.file ?? team.source.baseDir].join(
          " and ",
        );
        throw new TroupeError(
          "SPEC_INVALID",
          `two registered teams are both named "${team.name}" (${where}); an orchestrator registers one version per name: drop one --team, or start another orchestrator for the other version`,
        );
      }
      this.byName.set(team.name, team);
    }
  }

  /** A spec's version when it has no `version:` key: the first 12 hex digits of the sha256 of its file (`sha256sum team.yaml`). */
  static versionOf(content: string | Uint8Array): string {
    return createHash("sha256").update(content).digest("hex").slice(0, 12);
  }

  /** `name@version` of every registered team, for logs and errors. */
  list(): string[] {
    return [...this.byName.values()].map((t) => `${t.name}@${t.version}`);
  }

  /** The registered team a request names; TEAM_UNKNOWN, listing what is registered, when there is none (or not that version). */
  resolve(ref: TeamRef): RegisteredTeam {
    const team = this.byName.get(ref.name);
    if (team && (ref.version === undefined || ref.version === team.version)) return team;
    const asked = ref.version === undefined ? `"${ref.name}"` : `"${ref.name}" version ${ref.version}`;
    const has = this.byName.size
      ? `it has ${this.list().join(", ")}`
      : "it has none (start it with --team <spec file>)";
    throw new TroupeError(
      "TEAM_UNKNOWN",
      `this orchestrator has no registered team ${asked}; ${has}. Submit one of those (troupe submit --team <name>[@<version>]) or register the team on the orchestrators`,
      {
        details: {
          name: ref.name,
          ...(ref.version === undefined ? {} : { version: ref.version }),
          registered: this.list(),
        },
      },
    );
  }
}
