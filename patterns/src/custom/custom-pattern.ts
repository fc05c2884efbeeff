import { END, START, StateGraph } from "@langchain/langgraph";
import {
  definePattern,
  specError,
  TeamState,
  type CompileContext,
  type TeamStateUpdate,
  type TeamStateValue,
} from "@troupe/core";
import { checkGraph } from "./check-graph.js";
import { CustomOptions, edgesFrom, GRAPH_END, targetsOfEdge, type CustomSpec } from "./custom-spec.js";
import { agentNodePlan, stepNodePlan, toolNodePlan } from "./graph-nodes.js";

/**
 * custom: the workflow is a graph written in the spec. Nodes run an agent, call a tool or run a
 * step (defineStep); edges are tried in order, may test the state (`when`) and may fan out to
 * several nodes that run in parallel; a `join: true` node waits for every branch. Every loop
 * declares a `limit`. The run ends at an edge to "end" (or when no edge applies) with the output
 * of the node that ran last.
 */
export const customPattern = definePattern({
  name: "custom",
  description:
    "A graph from the spec: agent, tool and step nodes, conditional edges, parallel fan-out with a join, loops with limits",
  options: CustomOptions,
  check: (spec) => checkGraph(spec),
  compile(spec, ctx) {
    const problems = checkGraph(spec, { tools: [...(ctx.tools?.keys() ?? [])], steps: [...(ctx.steps?.keys() ?? [])] });
    if (problems.length) throw specError(problems, `team ${spec.name}`);
    // node names come from the spec, so the graph is typed by string names
    const graph = new StateGraph<typeof TeamState, TeamStateValue, TeamStateUpdate, string>(TeamState);
    for (const [id, node] of Object.entries(spec.graph.nodes)) {
      const next = edgesFrom(spec.graph, id)
        .flatMap(targetsOfEdge)
        .filter((to) => to !== GRAPH_END);
      graph.addNode(id, nodeFn(spec, ctx, id), {
        ends: [...new Set(next), END],
        ...(node.join ? { defer: true } : {}),
      });
    }
    return graph.addEdge(START, spec.graph.entry);
  },
});

function nodeFn(spec: CustomSpec, ctx: CompileContext, id: string) {
  const node = spec.graph.nodes[id]!;
  if (node.agent !== undefined) return ctx.agentNode(node.agent, agentNodePlan(spec, id, node.agent));
  if (node.tool !== undefined) return ctx.toolNode(id, toolNodePlan(spec, id, ctx.tools!.get(node.tool)!));
  return ctx.codeNode(id, stepNodePlan(spec, id, ctx.steps!.get(node.step!)!));
}
