import { finishOutcome, type Outcome, type TeamStateUpdate, type TeamStateValue } from "@troupe/core";
import { edgesFrom, GRAPH_END, targetsOfEdge, type GraphShape, type IndexedEdge } from "./custom-spec.js";
import { conditionHolds } from "./graph-condition.js";

/** How often an edge with a limit was taken, and in which user turn (counts start over each run). */
interface EdgeCount {
  userTurn: number;
  taken: number;
}

/** scratch key counting the times `graph.edges[index]` was taken this run (one key per edge, so parallel branches never clash). */
export const edgeCountKey = (index: number) => `custom:edge:${index}`;
/** scratch key holding the user turn in which `node` last ran. */
export const ranKey = (node: string) => `custom:ran:${node}`;

/** Whether `node` has run in the state's current user turn. */
export function ranThisRun(state: Pick<TeamStateValue, "scratch" | "userTurn">, node: string): boolean {
  return state.scratch[ranKey(node)] === state.userTurn;
}

/** Times `edge` was taken in the state's current user turn. */
export function takenThisRun(state: Pick<TeamStateValue, "scratch" | "userTurn">, edge: number): number {
  const count = state.scratch[edgeCountKey(edge)] as EdgeCount | undefined;
  return count?.userTurn === state.userTurn ? count.taken : 0;
}

/**
 * The first edge of `edges` (spec order) whose condition holds in `view` and whose limit is not
 * used up, with the scratch update that counts it; undefined when none applies (the run ends).
 *
 * @example
 * const route = chooseEdge(edgesFrom(graph, "critic"), view);
 */
export function chooseEdge(
  edges: readonly IndexedEdge[],
  view: TeamStateValue,
): { edge: IndexedEdge; scratch: Record<string, unknown> } | undefined {
  for (const edge of edges) {
    if (edge.when && !conditionHolds(edge.when, view)) continue;
    if (edge.limit === undefined) return { edge, scratch: {} };
    const taken = takenThisRun(view, edge.index);
    if (taken >= edge.limit) continue;
    const count: EdgeCount = { userTurn: view.userTurn, taken: taken + 1 };
    return { edge, scratch: { [edgeCountKey(edge.index)]: count } };
  }
  return undefined;
}

/**
 * Where the graph goes after `node` produced `output` with `update` (its outputs and scratch):
 * the edges are tested against the state as it will be, so a node's own result can decide its
 * route. No edge applies, or one leads to "end": the run finishes with `output`.
 *
 * @example
 * return toCommand(outcomeAfter(spec.graph, "critic", state, result.output, { outputs: { critic: result.output } }));
 */
export function outcomeAfter(
  graph: GraphShape,
  node: string,
  state: TeamStateValue,
  output: unknown,
  update: TeamStateUpdate,
): Outcome {
  const scratch = { ...update.scratch, [ranKey(node)]: state.userTurn };
  const view: TeamStateValue = {
    ...state,
    outputs: { ...state.outputs, ...update.outputs },
    scratch: { ...state.scratch, ...scratch },
  };
  const chosen = chooseEdge(edgesFrom(graph, node), view);
  const full: TeamStateUpdate = { ...update, scratch: { ...scratch, ...chosen?.scratch } };
  if (!chosen || chosen.edge.to === GRAPH_END) return finishOutcome(output, full);
  const targets = targetsOfEdge(chosen.edge);
  return { goto: targets.length === 1 ? targets[0]! : targets, update: full };
}
