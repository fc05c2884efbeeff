import { fallbackAgents } from "../pattern-helpers.js";
import { didYouMean, formatPath, TRANSFER_PREFIX, type Agent, type SpecProblem, type TeamSpec } from "@troupe/core";

/** Longest tool name the Messages API accepts. */
const MAX_TOOL_NAME = 64;

/** Allowed transfers: for each agent, the agents it may hand the conversation to. */
export type TransferMap = Readonly<Record<string, readonly string[]>>;

/**
 * Every agent's allowed transfers: as listed in `handoffs` (an agent not listed may transfer to
 * no one), or all-to-all when `handoffs` is absent.
 *
 * @example
 * transfersOf(spec, { triage: ["billing"] }); // { triage: ["billing"], billing: [] }
 */
export function transfersOf(spec: TeamSpec, handoffs: TransferMap | undefined): Record<string, string[]> {
  const names = Object.keys(spec.agents);
  return Object.fromEntries(names.map((a) => [a, handoffs ? [...(handoffs[a] ?? [])] : names.filter((b) => b !== a)]));
}

/**
 * Agents that no chain of transfers from `entry` reaches.
 *
 * @example
 * unreachableFrom("triage", { triage: ["billing"], billing: [], refunds: [] }); // ["refunds"]
 */
export function unreachableFrom(entry: string, transfers: TransferMap): string[] {
  const seen = new Set([entry]);
  const queue = [entry];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const to of transfers[next] ?? []) {
      if (seen.has(to)) continue;
      queue.push(to);
      seen.add(to);
    }
  }
  return Object.keys(transfers).filter((a) => !seen.has(a));
}

/**
 * The cross-key problems of a handoff or swarm spec: the entry and every agent named in
 * `handoffs` must exist, no agent transfers to itself or lists a target twice, and (when
 * `handoffs` restricts transfers) every agent is reachable from the entry.
 *
 * @example
 * check: (spec) => checkTransfers(spec, spec.entry, spec.handoffs),
 */
export function checkTransfers(spec: TeamSpec, entry: string, handoffs: TransferMap | undefined): SpecProblem[] {
  const agents = Object.keys(spec.agents);
  const unknown = (name: string) =>
    `unknown agent ${JSON.stringify(name)}${didYouMean(name, agents)}; define it under agents`;
  const problems: SpecProblem[] = [];
  if (!spec.agents[entry]) problems.push({ path: "entry", message: unknown(entry) });
  for (const [from, targets] of Object.entries(handoffs ?? {})) {
    if (!spec.agents[from]) problems.push({ path: formatPath(["handoffs", from]), message: unknown(from) });
    targets.forEach((to, i) => {
      const path = formatPath(["handoffs", from, i]);
      if (!spec.agents[to]) problems.push({ path, message: unknown(to) });
      else if (to === from) problems.push({ path, message: `"${to}" cannot transfer to itself` });
      else if (targets.indexOf(to) !== i) problems.push({ path, message: `"${to}" is listed twice` });
    });
  }
  for (const name of new Set(Object.values(transfersOf(spec, handoffs)).flat())) {
    if (spec.agents[name] && TRANSFER_PREFIX.length + name.length > MAX_TOOL_NAME) {
      problems.push({
        path: `agents.${name}`,
        message: `name too long to receive transfers: "${TRANSFER_PREFIX}${name}" is over the ${MAX_TOOL_NAME}-character tool name limit; use at most ${MAX_TOOL_NAME - TRANSFER_PREFIX.length} characters`,
      });
    }
  }
  if (handoffs && !problems.length) {
    const fallbacks = fallbackAgents(spec);
    for (const name of unreachableFrom(entry, transfersOf(spec, handoffs)).filter((n) => !fallbacks.has(n))) {
      problems.push({
        path: `agents.${name}`,
        message: `unreachable: no chain of handoffs from the entry "${entry}" leads to it; list it as a target under handoffs`,
      });
    }
  }
  return problems;
}

/**
 * The team's agents with the entry first, each once.
 *
 * @example
 * agentsWithEntry(triage, [triage, billing]); // [triage, billing]
 */
export function agentsWithEntry(entry: Agent, agents: readonly Agent[]): Agent[] {
  return [entry, ...agents.filter((a) => a.name !== entry.name)];
}

/**
 * A builder's `handoffs` (agents or their names) as names.
 *
 * @example
 * handoffNames({ triage: [billing, "tech"] }); // { triage: ["billing", "tech"] }
 */
export function handoffNames(
  handoffs: Readonly<Record<string, ReadonlyArray<Agent | string>>>,
): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(handoffs).map(([from, targets]) => [from, targets.map((t) => (typeof t === "string" ? t : t.name))]),
  );
}
