import { didYouMean, TeamState, type SpecProblem } from "@troupe/core";
import { edgesFrom, GRAPH_END, targetsOfEdge, type CustomSpec, type GraphNodeSpec } from "./custom-spec.js";
import { operatorsOf } from "./graph-condition.js";
import { referencesIn, TEMPLATE_ROOTS } from "./graph-template.js";

/** Tool and step names the team knows; without them, those references are not checked. */
export interface KnownNames {
  tools: readonly string[];
  steps: readonly string[];
}

const STATE_KEYS = Object.keys(TeamState.spec);
const q = (name: string) => JSON.stringify(name);

/**
 * Every problem with a custom graph: unknown nodes, agents, tools and steps, nodes that run
 * nothing or two things, unreachable nodes, edges that can never be taken, and loops without a
 * `limit`. Paths name the bad field (`graph.edges[2].to`, `graph.nodes.review.agent`).
 *
 * @example
 * const problems = checkGraph(spec, { tools: ["search_notes"], steps: ["tally"] });
 */
export function checkGraph(spec: CustomSpec, known?: KnownNames): SpecProblem[] {
  const { graph } = spec;
  const nodes = Object.keys(graph.nodes);
  const problems: SpecProblem[] = [];
  for (const [id, node] of Object.entries(graph.nodes)) problems.push(...checkNode(spec, id, node, known));
  if (!graph.nodes[graph.entry])
    problems.push({
      path: "graph.entry",
      message: `unknown node ${q(graph.entry)}${didYouMean(graph.entry, nodes)}; define it under graph.nodes`,
    });
  graph.edges.forEach((edge, i) => problems.push(...checkEdge(spec, i, nodes)));
  if (problems.length) return problems; // reachability and loops only make sense once every name resolves
  problems.push(...checkReachable(spec), ...checkLoops(spec));
  const used = new Set(Object.values(graph.nodes).flatMap((n) => (n.agent ? [n.agent] : [])));
  for (const agent of Object.keys(spec.agents)) {
    if (!used.has(agent))
      problems.push({
        path: `agents.${agent}`,
        message: `no graph node runs this agent; add a node { agent: ${agent} } or remove it`,
      });
  }
  return problems;
}

function checkNode(spec: CustomSpec, id: string, node: GraphNodeSpec, known: KnownNames | undefined): SpecProblem[] {
  const path = `graph.nodes.${id}`;
  const problems: SpecProblem[] = [];
  const kinds = (["agent", "tool", "step"] as const).filter((k) => node[k] !== undefined);
  if (id === GRAPH_END || STATE_KEYS.includes(id)) {
    problems.push({
      path,
      message: `"${id}" is reserved (${id === GRAPH_END ? "the edge target that ends the run" : "a team state key"}); rename the node, e.g. "${id}_step"`,
    });
  }
  if (kinds.length === 0)
    problems.push({ path, message: "say what the node runs: agent: <name>, tool: <name> or step: <name>" });
  if (kinds.length > 1)
    problems.push({ path, message: `a node runs one thing; this one names ${kinds.join(" and ")}` });
  const agents = Object.keys(spec.agents);
  if (node.agent !== undefined && !spec.agents[node.agent]) {
    problems.push({
      path: `${path}.agent`,
      message: `unknown agent ${q(node.agent)}${didYouMean(node.agent, agents)}; define it under agents`,
    });
  }
  if (
    spec.agents[id] &&
    kinds.length === 1 &&
    node.agent !== id &&
    (node.agent === undefined || spec.agents[node.agent])
  ) {
    problems.push({
      path,
      message: `"${id}" is also an agent's name, so its output would be mixed up with that agent's; rename the node or make it run agent ${id}`,
    });
  }
  for (const kind of ["tool", "step"] as const) {
    const name = node[kind];
    if (name === undefined || !known) continue;
    const names = known[kind === "tool" ? "tools" : "steps"];
    if (!names.includes(name)) {
      const where = names.length
        ? `; known ${kind}s: ${names.join(", ")}`
        : `; no ${kind}s are defined (list a module that exports them under imports)`;
      problems.push({
        path: `${path}.${kind}`,
        message: `unknown ${kind} ${q(name)}${didYouMean(name, names)}${where}`,
      });
    }
  }
  if (node.task !== undefined && node.agent === undefined)
    problems.push({ path: `${path}.task`, message: "only an agent node has a task; remove it" });
  if (node.input !== undefined && node.tool === undefined)
    problems.push({ path: `${path}.input`, message: "only a tool node has an input; remove it" });
  for (const key of ["task", "input"] as const) {
    for (const ref of referencesIn(node[key])) {
      const message = badReference(spec, ref);
      if (message) problems.push({ path: `${path}.${key}`, message });
    }
  }
  return problems;
}

function badReference(spec: CustomSpec, ref: string): string | undefined {
  const [root, name] = ref.split(".");
  if (!(TEMPLATE_ROOTS as readonly string[]).includes(root!)) {
    return `{{${ref}}}: a reference starts with ${TEMPLATE_ROOTS.join(", ")}${didYouMean(root ?? "", TEMPLATE_ROOTS)}`;
  }
  if (root === "outputs" && name !== undefined && !spec.graph.nodes[name] && !spec.agents[name]) {
    return `{{${ref}}}: unknown node ${q(name)}${didYouMean(name, Object.keys(spec.graph.nodes))}`;
  }
  return undefined;
}

function checkEdge(spec: CustomSpec, i: number, nodes: string[]): SpecProblem[] {
  const edge = spec.graph.edges[i]!;
  const path = `graph.edges[${i}]`;
  const problems: SpecProblem[] = [];
  const unknown = (name: string) =>
    `unknown node ${q(name)}${didYouMean(name, [...nodes, GRAPH_END])}; use a name under graph.nodes`;
  if (!spec.graph.nodes[edge.from]) problems.push({ path: `${path}.from`, message: unknown(edge.from) });
  if (typeof edge.to === "string") {
    if (edge.to !== GRAPH_END && !spec.graph.nodes[edge.to])
      problems.push({ path: `${path}.to`, message: `${unknown(edge.to)}, or "end"` });
  } else {
    edge.to.forEach((to, j) => {
      if (to === GRAPH_END)
        problems.push({
          path: `${path}.to[${j}]`,
          message: 'a fan-out lists nodes; end the run with its own edge to: "end"',
        });
      else if (!spec.graph.nodes[to]) problems.push({ path: `${path}.to[${j}]`, message: unknown(to) });
      else if (edge.to.indexOf(to) !== j)
        problems.push({ path: `${path}.to[${j}]`, message: `"${to}" is listed twice` });
    });
  }
  if (edge.when) {
    const ops = operatorsOf(edge.when);
    if (ops.length !== 1) {
      const got = ops.length ? `it has ${ops.join(" and ")}` : "it has none";
      problems.push({
        path: `${path}.when`,
        message: `give exactly one of equals, notEquals, contains, exists (${got})`,
      });
    }
    const root = edge.when.path.split(".")[0]!;
    if (!STATE_KEYS.includes(root)) {
      problems.push({
        path: `${path}.when.path`,
        message: `${q(edge.when.path)} does not start with a state key${didYouMean(root, STATE_KEYS)}; use one of ${STATE_KEYS.join(", ")}`,
      });
    }
  }
  const before = edgesFrom(spec.graph, edge.from).filter((e) => e.index < i);
  const always = before.find((e) => !e.when && e.limit === undefined);
  if (always) {
    problems.push({
      path,
      message: `never taken: graph.edges[${always.index}] from "${edge.from}" has no condition and no limit, so it is always taken first; move this edge above it`,
    });
  }
  return problems;
}

function checkReachable(spec: CustomSpec): SpecProblem[] {
  const { graph } = spec;
  const seen = new Set([graph.entry]);
  const queue = [graph.entry];
  while (queue.length) {
    for (const edge of edgesFrom(graph, queue.shift()!)) {
      for (const to of targetsOfEdge(edge)) {
        if (to === GRAPH_END || seen.has(to)) continue;
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return Object.keys(graph.nodes)
    .filter((n) => !seen.has(n))
    .map((n) => ({
      path: `graph.nodes.${n}`,
      message: `unreachable: no edge leads to it from the entry "${graph.entry}"; add an edge to it or remove it`,
    }));
}

/** A loop all of whose edges lack a limit could run forever: report the edge that closes it. */
function checkLoops(spec: CustomSpec): SpecProblem[] {
  const { graph } = spec;
  const problems: SpecProblem[] = [];
  const state = new Map<string, "open" | "done">();
  const trail: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    trail.push(node);
    for (const edge of edgesFrom(graph, node)) {
      if (edge.limit !== undefined) continue;
      for (const to of targetsOfEdge(edge)) {
        if (to === GRAPH_END) continue;
        if (state.get(to) === "open") {
          const loop = [...trail.slice(trail.indexOf(to)), to].join(" -> ");
          problems.push({
            path: `graph.edges[${edge.index}]`,
            message: `closes the loop ${loop}, which has no limit; add limit: <n> to one of its edges (the most times it may be taken in one run)`,
          });
        } else if (!state.has(to)) visit(to);
      }
    }
    trail.pop();
    state.set(node, "done");
  };
  for (const node of [graph.entry, ...Object.keys(graph.nodes)]) if (!state.has(node)) visit(node);
  return problems;
}
