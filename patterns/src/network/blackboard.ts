import { textOf, type TeamStateValue } from "@troupe/core";

/** One contribution on a network's shared blackboard. */
export interface BlackboardEntry {
  /** The user message of the thread it answers (1-based). */
  userTurn: number;
  /** The agent turn of that run it was said in (as in `steps`). */
  turn: number;
  agent: string;
  text: string;
}

/**
 * The blackboard a network keeps in `state.scratch.blackboard` (empty before anyone spoke).
 *
 * @example
 * blackboardOf(state).map((e) => `${e.agent}: ${e.text}`);
 */
export function blackboardOf(state: Pick<TeamStateValue, "scratch">): BlackboardEntry[] {
  return (state.scratch.blackboard as BlackboardEntry[] | undefined) ?? [];
}

/**
 * The blackboard as text a peer reads: each user request of the thread, then who said what about
 * it. Requests come from the thread's conversation, where every run adds its user message.
 *
 * @example
 * renderBlackboard(state); // "Current request: Plan the launch\n[alice, turn 1] Launch in May"
 */
export function renderBlackboard(state: Pick<TeamStateValue, "scratch" | "messages" | "userTurn" | "input">): string {
  const entries = blackboardOf(state);
  const requests = state.messages.filter((m) => m.role === "user").map((m) => textOf(m));
  const turns = [...new Set([...entries.map((e) => e.userTurn), state.userTurn])].sort((a, b) => a - b);
  const lines: string[] = [];
  for (const userTurn of turns) {
    const current = userTurn === state.userTurn;
    const request = current ? state.input : (requests[userTurn - 1] ?? "(not recorded)");
    lines.push(`${current ? "Current request" : "Earlier request"}: ${request}`);
    const said = entries.filter((e) => e.userTurn === userTurn);
    for (const e of said) lines.push(`[${e.agent}, turn ${e.turn}] ${e.text}`);
    if (current && said.length === 0) lines.push("(nobody has spoken on it yet)");
  }
  return lines.join("\n");
}

/**
 * Round robin over links: of the peers `from` may pass to, the one who has waited longest (never
 * spoken first; ties in the order the links list them). On full links this is a, b, c, a, b, c;
 * on a star it still gives every spoke its turn.
 *
 * @example
 * nextByRoundRobin({ hub: ["x", "y"] }, "hub", [{ userTurn: 1, turn: 1, agent: "x", text: "hi" }]); // "y"
 */
export function nextByRoundRobin(
  links: Record<string, string[]>,
  from: string,
  entries: readonly BlackboardEntry[],
): string {
  const lastSpoke = (agent: string) => entries.findLastIndex((e) => e.agent === agent);
  const candidates = links[from] ?? [];
  let best = candidates[0]!;
  for (const c of candidates) if (lastSpoke(c) < lastSpoke(best)) best = c;
  return best;
}
