import type { Team } from "@troupe/core";
import type { CliIO } from "../cli-io.js";

export async function historyCommand(
  team: Team,
  threadId: string,
  flags: { json?: boolean | undefined; all?: boolean | undefined },
  io: CliIO,
): Promise<number> {
  const history = await team.history(threadId, { all: flags.all ?? false });
  if (flags.json) {
    io.out(JSON.stringify(history));
    return 0;
  }
  io.out(
    `${"#".padEnd(4)}${"checkpoint".padEnd(38)}${"step".padEnd(6)}${"turn".padEnd(6)}${"after".padEnd(14)}${"next".padEnd(14)}time`,
  );
  history.forEach((c, i) => {
    io.out(
      `${String(i).padEnd(4)}${c.checkpointId.padEnd(38)}${String(c.step).padEnd(6)}${String(c.userTurn).padEnd(6)}${(c.agent ?? "-").padEnd(14)}${(c.next.join(",") || "(end)").padEnd(14)}${c.createdAt}`,
    );
  });
  return 0;
}
