// Spec -> compiled graph: checkSpec (zod parse, cross-checks) + buildTeam (agents, pattern
// compile, StateGraph.compile) for a supervisor spec of N agents, against the time goals. Beside
// it, the same graph shape written by hand in raw LangGraph (as createSupervisor wires it) and
// compiled.
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { buildTeam, checkSpec, memoryStore, specError } from "@troupe/core";
import { builtinPatterns } from "@troupe/patterns";
import { scriptedClient } from "./lib/scripted-client.mjs";

/** A supervisor spec with one lead and n-1 workers, as a YAML file would give it (plain data). */
export function supervisorSpec(n) {
  const agents = { lead: { description: "Routes the work", instructions: "Route each part to a worker." } };
  for (let i = 1; i < n; i++)
    agents[`worker${i}`] = {
      description: `Handles part ${i}`,
      instructions: `You are worker ${i}. Do the part you are given.`,
    };
  return { name: `compile-${n}`, pattern: "supervisor", supervisor: "lead", agents, limits: { maxTurns: 20 } };
}

/** Validates and builds the team (the graph is compiled in the Team constructor). */
export function compileTeam(raw, model) {
  const { spec, problems } = checkSpec(raw, { patterns: builtinPatterns });
  if (!spec) throw specError(problems, raw.name);
  return buildTeam(spec, { patterns: builtinPatterns, model, store: memoryStore() });
}

const RawState = Annotation.Root({
  messages: Annotation({ reducer: (a, b) => a.concat(b), default: () => [] }),
  task: Annotation({ reducer: (_, b) => b, default: () => "" }),
});

/** The supervisor graph shape by hand: a lead that may go to any worker or end, workers that return to the lead. */
export function rawSupervisorGraph(raw) {
  const workers = Object.keys(raw.agents).filter((a) => a !== raw.supervisor);
  const graph = new StateGraph(RawState)
    .addNode(raw.supervisor, async () => ({}), { ends: [...workers, END] })
    .addEdge(START, raw.supervisor);
  for (const w of workers) graph.addNode(w, async () => ({ messages: [w] })).addEdge(w, raw.supervisor);
  return graph.compile();
}

const GOALS = { 1000: 50, 10000: 500 };

const compileCase = (n, runs, batch) => ({
  id: `compile-${n}`,
  title: `spec -> compiled graph, ${n.toLocaleString("en-US")} agents (checkSpec + buildTeam)`,
  kind: "absolute",
  ...(GOALS[n] ? { goal: { maxMs: GOALS[n] } } : {}),
  runs,
  batch,
  warmup: 2,
  setup: async () => {
    const raw = supervisorSpec(n);
    const model = scriptedClient({});
    return {
      baseline: {
        label: "raw LangGraph graph",
        run: async () => rawSupervisorGraph(raw),
        verify: (graph) =>
          Object.keys(graph.nodes).length === n + 1 ? undefined : `compiled ${Object.keys(graph.nodes).length} nodes`,
      },
      candidate: {
        label: "Troupe",
        run: async () => compileTeam(raw, model),
        verify: (team) =>
          Object.keys(team.spec.agents).length === n
            ? undefined
            : `built ${Object.keys(team.spec.agents).length} agents`,
      },
    };
  },
});

export default [compileCase(100, 31, 5), compileCase(1000, 15, 1), compileCase(10000, 7, 1)];
