import { z } from "zod";
import { SPEC_NAME, SPEC_NAME_RULE, TOOL_NAME, TOOL_NAME_RULE, type TeamSpec } from "@troupe/core";

/** The edge target that ends the run. */
export const GRAPH_END = "end";

/**
 * A test on the team state, written as data (no code is evaluated): `path` names a value
 * (`scratch.verdict`, `outputs.critic`, `outputs.critic.score`, `input`) and exactly one operator
 * says what must hold.
 */
export const GraphCondition = z
  .object({
    path: z.string().min(1, "must not be empty; name a state value such as scratch.verdict or outputs.critic"),
    /** The value equals this (deep equality for lists and mappings). */
    equals: z.unknown().optional(),
    /** The value does not equal this. */
    notEquals: z.unknown().optional(),
    /** Text that contains this text, or a list that holds this item. */
    contains: z
      .union([z.string(), z.number(), z.boolean()], { error: "must be text, a number, or true/false" })
      .optional(),
    /** true: the value is set (not missing, not null); false: it is not. */
    exists: z.boolean().optional(),
  })
  .strict();

export const GraphNode = z
  .object({
    /** Run this agent. */
    agent: z.string().min(1).optional(),
    /** The agent's task; `{{input}}`, `{{outputs.<node>}}` and `{{scratch.<key>}}` are filled in. */
    task: z.string().min(1, "must not be empty; leave the key out for the default task").optional(),
    /** Call this tool directly (no model). */
    tool: z.string().regex(TOOL_NAME, TOOL_NAME_RULE).optional(),
    /** The tool's input; text values may use the same `{{...}}` references as a task. */
    input: z.record(z.string(), z.unknown()).optional(),
    /** Run this step (defineStep). */
    step: z.string().regex(SPEC_NAME, `a step name ${SPEC_NAME_RULE}`).optional(),
    /** Wait until every other running branch has finished before running (a fan-out's join). */
    join: z.boolean().optional(),
  })
  .strict();

const TARGET = 'must be a node name, "end", or a list of node names (a fan-out)';

export const GraphEdge = z
  .object({
    from: z.string().min(1),
    /** A node, "end", or a list of nodes that run in parallel. */
    to: z.union(
      [
        z.string().min(1),
        z.array(z.string().min(1)).min(2, "a fan-out lists at least two nodes; for one, write it without the list"),
      ],
      { error: TARGET },
    ),
    /** Take this edge only when the condition holds. */
    when: GraphCondition.optional(),
    /** Take this edge at most this many times in one run; needed on every loop. */
    limit: z.int("must be a whole number of at least 1").positive("must be a whole number of at least 1").optional(),
  })
  .strict();

export const GraphSpec = z
  .object({
    /** The node each run starts at. */
    entry: z.string().min(1),
    nodes: z
      .record(z.string().regex(SPEC_NAME, `a node name ${SPEC_NAME_RULE}; rename it`), GraphNode)
      .refine(
        (nodes) => Object.keys(nodes).length > 0,
        "no nodes defined; add at least one (name: { agent: <agent> })",
      ),
    /** Tried in order: a node takes its first edge whose condition holds and whose limit is not used up. */
    edges: z.array(GraphEdge).default([]),
  })
  .strict();

export const CustomOptions = z
  .object({
    /** The workflow: nodes (agents, tools, steps) and the edges between them. */
    graph: GraphSpec,
  })
  .strict();

export type GraphConditionSpec = z.output<typeof GraphCondition>;
export type GraphNodeSpec = z.output<typeof GraphNode>;
export type GraphEdgeSpec = z.output<typeof GraphEdge>;
export type GraphShape = z.output<typeof GraphSpec>;
export type CustomSpec = TeamSpec & z.output<typeof CustomOptions>;

/** An edge with its position in `graph.edges`, as routing and problems refer to it. */
export interface IndexedEdge extends GraphEdgeSpec {
  index: number;
}

/** The targets of an edge as a list (one, or a fan-out). */
export function targetsOfEdge(edge: Pick<GraphEdgeSpec, "to">): string[] {
  return typeof edge.to === "string" ? [edge.to] : edge.to;
}

/** The edges leaving `node`, in spec order. */
export function edgesFrom(graph: GraphShape, node: string): IndexedEdge[] {
  return graph.edges.flatMap((edge, index) => (edge.from === node ? [{ ...edge, index }] : []));
}

/** The nodes with an edge into `node`, in spec order. */
export function predecessorsOf(graph: GraphShape, node: string): string[] {
  const from = graph.edges.filter((e) => targetsOfEdge(e).includes(node)).map((e) => e.from);
  return [...new Set(from)];
}
