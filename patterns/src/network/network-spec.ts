import { fallbackAgents } from "../pattern-helpers.js";
import { z } from "zod";
import { didYouMean, type SpecProblem, type TeamSpec } from "@troupe/core";

/** Name of the agent the pattern adds when `router: model`. */
export const NETWORK_ROUTER = "network_router";

const count = () => z.int("must be a whole number").positive("must be greater than 0");

export const NetworkTermination = z
  .object({
    /** End (completed) after this many speaker turns in one run. */
    maxTurns: count().optional(),
    /** End when a speaker's answer contains this phrase (case-insensitive). */
    phrase: z.string().min(1, "must not be empty").optional(),
    /** Offer speakers (and the router) a `finish` tool that ends the run (default true). */
    onFinish: z.boolean().optional(),
    /** End (completed) once the run has used this many tokens (input + output). */
    maxTokens: count().optional(),
  })
  .strict();

export const NetworkOptions = z
  .object({
    /** The peer that speaks first on each user message (default: the first peer). */
    entry: z.string().min(1).optional(),
    /** Who each peer may pass the floor to (default: every peer to every other). */
    links: z.record(z.string(), z.array(z.string())).optional(),
    /** `round_robin`, `model` (a router agent the pattern adds), or the name of an agent that moderates. */
    router: z.string().min(1).default("round_robin"),
    /** When the network stops with an answer (default: a finish call). */
    termination: NetworkTermination.optional(),
  })
  .strict();

export type NetworkSpec = TeamSpec & z.output<typeof NetworkOptions>;

/** Termination with its default applied. */
export interface NetworkEnd {
  maxTurns?: number;
  phrase?: string;
  onFinish: boolean;
  maxTokens?: number;
}

/** Why a network run ended, as `state.scratch.endReason` records it. */
export type EndReason = "max_turns" | "phrase" | "finish" | "budget";

const KEYWORDS = ["round_robin", "model"];

/**
 * The router node's agent: the added `network_router`, a moderating spec agent, or none for round robin.
 *
 * @example
 * routerOf({ ...spec, router: "model" }); // "network_router"
 */
export function routerOf(spec: NetworkSpec): string | undefined {
  if (spec.router === "round_robin") return undefined;
  return spec.router === "model" ? NETWORK_ROUTER : spec.router;
}

/**
 * The agents that speak: every agent but a moderating router.
 *
 * @example
 * peersOf({ ...spec, router: "mod" }); // every agent name except "mod"
 */
export function peersOf(spec: NetworkSpec): string[] {
  const moderator = moderatorOf(spec);
  return Object.keys(spec.agents).filter((a) => a !== moderator);
}

/** The spec agent that routes, when `router` names one. */
function moderatorOf(spec: NetworkSpec): string | undefined {
  return KEYWORDS.includes(spec.router) ? undefined : spec.router;
}

/**
 * Who each peer may pass to: the declared links, or every other peer in declared order.
 *
 * @example
 * linksOf(specWithAgents("a", "b", "c")); // { a: ["b", "c"], b: ["a", "c"], c: ["a", "b"] }
 */
export function linksOf(spec: NetworkSpec): Record<string, string[]> {
  const peers = peersOf(spec);
  return Object.fromEntries(peers.map((p) => [p, spec.links ? (spec.links[p] ?? []) : peers.filter((q) => q !== p)]));
}

/**
 * The peer that speaks first on each user message.
 *
 * @example
 * entryOf({ ...spec, entry: "bob" }); // "bob"
 */
export function entryOf(spec: NetworkSpec): string {
  return spec.entry ?? peersOf(spec)[0]!;
}

/**
 * The spec's termination with `onFinish` defaulted to true.
 *
 * @example
 * terminationOf({ ...spec, termination: { maxTurns: 6 } }); // { maxTurns: 6, onFinish: true }
 */
export function terminationOf(spec: NetworkSpec): NetworkEnd {
  return { ...spec.termination, onFinish: spec.termination?.onFinish ?? true };
}

/**
 * Cross-key checks of a network spec: names exist, links are sound, every peer is reachable, the run can end.
 *
 * @example
 * checkNetwork({ ...spec, entry: "nobody" }); // [{ path: "entry", message: 'unknown agent "nobody"' }]
 */
export function checkNetwork(spec: NetworkSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const agents = Object.keys(spec.agents);
  const unknown = (name: string) => `unknown agent ${JSON.stringify(name)}${didYouMean(name, agents)}`;
  const moderator = moderatorOf(spec);
  if (moderator !== undefined && !spec.agents[moderator]) {
    problems.push({
      path: "router",
      message: `${unknown(moderator)}; use round_robin, model, or the name of an agent${didYouMean(moderator, KEYWORDS)}`,
    });
  }
  if (spec.router === "model" && spec.agents[NETWORK_ROUTER]) {
    problems.push({
      path: `agents.${NETWORK_ROUTER}`,
      message: `router: model adds an agent named "${NETWORK_ROUTER}"; rename yours`,
    });
  }
  if (KEYWORDS.includes(spec.router) && spec.agents[spec.router]) {
    problems.push({
      path: "router",
      message: `"${spec.router}" means the built-in router here, not your agent "${spec.router}"; rename the agent to make it the router`,
    });
  }
  const peers = peersOf(spec);
  const notPeer = (name: string, path: string): boolean => {
    if (!spec.agents[name]) problems.push({ path, message: unknown(name) });
    else if (name === moderator)
      problems.push({ path, message: `"${name}" is the router; it picks speakers and does not speak itself` });
    else return false;
    return true;
  };
  if (spec.entry !== undefined) notPeer(spec.entry, "entry");
  for (const [from, targets] of Object.entries(spec.links ?? {})) {
    if (notPeer(from, `links.${from}`)) continue;
    if (targets.length === 0)
      problems.push({ path: `links.${from}`, message: "list at least one peer it may pass to" });
    targets.forEach((to, i) => {
      const path = `links.${from}[${i}]`;
      if (notPeer(to, path)) return;
      if (to === from) problems.push({ path, message: `"${from}" cannot pass to itself` });
      else if (targets.indexOf(to) !== i) problems.push({ path, message: `"${to}" is listed twice` });
    });
  }
  if (peers.length < 2)
    problems.push({ path: "agents", message: "a network needs at least two peers (agents other than the router)" });
  if (problems.length) return problems;
  if (spec.links) {
    for (const p of peers)
      if (!spec.links[p])
        problems.push({ path: `links.${p}`, message: `missing; "${p}" would have no one to pass to` });
    const seen = reachable(entryOf(spec), linksOf(spec));
    const fallbacks = fallbackAgents(spec);
    for (const p of peers)
      if (!seen.has(p) && !fallbacks.has(p))
        problems.push({
          path: `agents.${p}`,
          message: `unreachable: no chain of links leads from "${entryOf(spec)}" to it`,
        });
  }
  problems.push(...checkTermination(spec));
  return problems;
}

function checkTermination(spec: NetworkSpec): SpecProblem[] {
  const t = spec.termination;
  if (!t) return [];
  if (Object.keys(t).length === 0)
    return [
      {
        path: "termination",
        message: "give at least one of maxTurns, phrase, onFinish, maxTokens (or leave termination out)",
      },
    ];
  if (t.onFinish === false && t.maxTurns === undefined && t.phrase === undefined && t.maxTokens === undefined) {
    return [
      {
        path: "termination.onFinish",
        message:
          "with onFinish false and no maxTurns, phrase or maxTokens the network can only fail at limits.maxTurns; add one",
      },
    ];
  }
  return [];
}

function reachable(from: string, links: Record<string, string[]>): Set<string> {
  const seen = new Set([from]);
  const queue = [from];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const to of links[next] ?? []) {
      if (seen.has(to)) continue;
      seen.add(to);
      queue.push(to);
    }
  }
  return seen;
}
