import { END, START, StateGraph } from "@langchain/langgraph";
import {
  finishOutcome,
  formatZodIssues,
  jsonSchemaOf,
  TeamState,
  TRANSFER_PREFIX,
  type AgentResult,
  type CompileContext,
  type DirectiveOffer,
  type Outcome,
  type TeamSpec,
  type TeamStateValue,
} from "@troupe/core";
import { seenOf, transferCall, type TransferScratch } from "./transfer-call.js";
import type { TransferMap } from "./transfer-map.js";

export interface TransferGraphPlan {
  entry: string;
  /** For each agent, the agents it may transfer to. */
  transfers: TransferMap;
  /** Where each user turn starts: always the entry (handoff), or the agent active last (swarm). */
  start: "entry" | "active";
  /** One line on how the team works, for each agent's system context. */
  about: string;
}

/**
 * The graph handoff and swarm share: one node per agent. An agent either answers (the run ends
 * with its answer) or calls `transfer_to_<agent>`, which hands the conversation to that agent with
 * the task and reason as its payload; control comes back only if someone transfers back.
 *
 * @example
 * compile: (spec, ctx) => compileTransferGraph(spec, ctx, { entry: spec.entry, transfers: transfersOf(spec, spec.handoffs), start: "entry", about: "..." }),
 */
export function compileTransferGraph(spec: TeamSpec, ctx: CompileContext, plan: TransferGraphPlan) {
  const names = Object.keys(spec.agents);
  // the first addNode widens the graph's node names to string, so the rest can be added in a loop
  const graph = new StateGraph(TeamState).addNode(...nodeOf(plan.entry));
  for (const agent of names) if (agent !== plan.entry) graph.addNode(...nodeOf(agent));
  if (plan.start === "entry") graph.addEdge(START, plan.entry);
  else
    graph.addConditionalEdges(
      START,
      (state) => (state.activeAgent && names.includes(state.activeAgent) ? state.activeAgent : plan.entry),
      names,
    );
  return graph;

  function nodeOf(agent: string) {
    const targets = plan.transfers[agent] ?? [];
    const typed = targets.some((t) => ctx.agents.get(t)?.input);
    const offers: DirectiveOffer[] = targets.length ? [{ kind: "handoff", targets: targets.map(targetOf) }] : [];
    const context = (from?: string) =>
      [
        `You are ${agent} in the team "${spec.name}". ${plan.about}`,
        from ? `${from} transferred the conversation to you.` : "",
        targets.length
          ? `Answer the user yourself when you can. When another agent is better suited, transfer the conversation with its ${TRANSFER_PREFIX}<agent> tool, saying what they should do and why; you do not get the conversation back unless someone transfers it back to you.`
          : "Answer the user.",
      ]
        .filter(Boolean)
        .join(" ");
    const fn = ctx.agentNode(agent, {
      prepare: (state) => transferCall(state, agent, offers, context),
      commit: (state, result) => commitTurn(state, agent, result, targets),
    });
    const ends: string[] = [...targets, ...(typed ? [agent] : []), END];
    return [agent, fn, { ends }] as const;
  }

  function targetOf(name: string) {
    const input = ctx.agents.get(name)?.input;
    return {
      name,
      description: spec.agents[name]?.description ?? name,
      ...(input ? { inputSchema: jsonSchemaOf(input) } : {}),
    };
  }

  /** An answer ends the run; a transfer moves the conversation, unless its typed input does not fit the target. */
  function commitTurn(state: TeamStateValue, agent: string, result: AgentResult, targets: readonly string[]): Outcome {
    const seen = { ...seenOf(state), [agent]: state.messages.length };
    const d = result.directive;
    if (d.type !== "handoff")
      return finishOutcome(result.output, {
        scratch: { transfer: null, seen: { ...seen, [agent]: state.messages.length + 1 } },
      });
    const problem = refusalOf(d.to, d.input, targets);
    if (problem) {
      const refused: TransferScratch = { kind: "refused", agent, to: d.to, toolUseId: d.toolUseId, message: problem };
      return { goto: agent, update: { scratch: { transfer: refused, seen } } };
    }
    const transfer: TransferScratch = {
      kind: "transfer",
      from: agent,
      to: d.to,
      task: d.task,
      reason: d.reason,
      ...(d.input === undefined ? {} : { input: d.input }),
      toolUseId: d.toolUseId,
    };
    return { goto: d.to, update: { activeAgent: d.to, scratch: { transfer, seen } } };
  }

  function refusalOf(to: string, input: unknown, targets: readonly string[]): string | undefined {
    if (!targets.includes(to)) return `transfer to "${to}" is not allowed; allowed: ${targets.join(", ") || "none"}`;
    const schema = ctx.agents.get(to)?.input;
    if (!schema) return undefined;
    const parsed = schema.safeParse(input);
    if (parsed.success) return undefined;
    return `${TRANSFER_PREFIX}${to}: input ${input === undefined ? "is required; " : ""}${formatZodIssues(parsed.error)}. Call ${TRANSFER_PREFIX}${to} again with an input that fits.`;
  }
}
