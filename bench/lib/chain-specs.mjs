// The Troupe side of the chain benchmarks, two ways: the built-in `custom` pattern (a graph in
// the spec, as users write it) and a minimal pattern made with definePattern that only chains
// ctx.agentNode nodes (the core agent-call path with no routing logic of its own).
import { END, START, StateGraph } from "@langchain/langgraph";
import { definePattern, finishOutcome, TeamState } from "@troupe/core";
import { z } from "zod";

/** step1..stepN with their instructions: both sides and both Troupe variants run these. */
export function chainAgents(length) {
  const order = Array.from({ length }, (_, i) => `step${i + 1}`);
  const agents = Object.fromEntries(
    order.map((name, i) => [
      name,
      { description: `Step ${i + 1} of the chain`, instructions: `You are ${name}. Improve the text you are given.` },
    ]),
  );
  return { order, agents };
}

/** A `custom` spec: node i runs agent i on node i-1's output, the last node's edge ends the run. */
export function customChainSpec(length) {
  const { order, agents } = chainAgents(length);
  const nodes = Object.fromEntries(
    order.map((name, i) => [name, { agent: name, task: i === 0 ? "{{input}}" : `{{outputs.${order[i - 1]}}}` }]),
  );
  const edges = order.map((name, i) => ({ from: name, to: order[i + 1] ?? "end" }));
  return {
    name: `chain-${length}`,
    pattern: "custom",
    agents,
    limits: { maxTurns: length + 1 },
    graph: { entry: order[0], nodes, edges },
  };
}

export const chainPattern = definePattern({
  name: "bench-chain",
  description: "Agents run in a fixed order, each on the previous agent's answer",
  options: z.object({ order: z.array(z.string()).min(1) }).strict(),
  compile(spec, ctx) {
    const { order } = spec;
    const graph = new StateGraph(TeamState);
    order.forEach((agent, i) => {
      const next = order[i + 1];
      const node = ctx.agentNode(agent, {
        prepare: (state) => ({ task: i === 0 ? state.input : String(state.outputs[order[i - 1]]) }),
        commit: (_state, result) => (next ? { goto: next } : finishOutcome(result.output)),
      });
      graph.addNode(agent, node, { ends: next ? [next, END] : [END] });
    });
    return graph.addEdge(START, order[0]);
  },
});

/** A spec for chainPattern. */
export function patternChainSpec(length) {
  const { order, agents } = chainAgents(length);
  return { name: `chain-${length}`, pattern: chainPattern.name, agents, limits: { maxTurns: length + 1 }, order };
}
