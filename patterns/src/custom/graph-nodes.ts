import { Command, END, type LangGraphRunnableConfig } from "@langchain/langgraph";
import {
  closeDangling,
  readStepUpdate,
  RUN_ID_KEY,
  toTroupeError,
  TroupeError,
  type AgentNodePlan,
  type Outcome,
  type StepDefinition,
  type TeamStateValue,
  type Tool,
} from "@troupe/core";
import { resultText } from "../pattern-helpers.js";
import { predecessorsOf, type CustomSpec } from "./custom-spec.js";
import { outcomeAfter, ranThisRun } from "./graph-routing.js";
import { renderInput, renderTemplate } from "./graph-template.js";

type NodeFn = (state: TeamStateValue, config: LangGraphRunnableConfig) => Promise<Command>;

/**
 * The plan of an agent node: the agent continues its own transcript for this node with the task
 * (the node's template, or the run's input plus the results of the nodes that led here), and its
 * answer becomes `outputs[<node>]` (and `outputs[<agent>]`).
 */
export function agentNodePlan(spec: CustomSpec, id: string, agent: string): AgentNodePlan {
  const node = spec.graph.nodes[id]!;
  const context = `You are ${agent}, doing the step "${id}" of the team "${spec.name}"'s workflow. Do the task you are given and answer with its result.`;
  return {
    prepare(state) {
      if (state.status !== "running") return { skip: { goto: END } };
      const task = node.task ? renderTemplate(node.task, state) : defaultTask(spec, id, state);
      return { task, messages: closeDangling(state.transcripts[id] ?? []), context };
    },
    commit(state, result) {
      // transcripts by node: two nodes running the same agent in parallel keep separate conversations
      const update = { outputs: { [agent]: result.output, [id]: result.output }, transcripts: { [id]: result.messages } };
      return outcomeAfter(spec.graph, id, state, result.output, update);
    },
  };
}

/** A node that calls a tool directly with its (templated) input; the result is the node's output. */
export function toolNode(spec: CustomSpec, id: string, tool: Tool): NodeFn {
  const input = spec.graph.nodes[id]!.input ?? {};
  return guarded(id, `tool ${tool.name}`, async (state, config, base) => {
    const output = await tool.invoke(renderInput(input, state), { ...base, agent: id, idempotencyKey: idempotencyKey(state, config, id) });
    return outcomeAfter(spec.graph, id, state, output, { outputs: { [id]: output } });
  });
}

/** A node that runs a step (defineStep); its `output` becomes the node's output, its `scratch` is merged. */
export function stepNode(spec: CustomSpec, id: string, step: StepDefinition): NodeFn {
  return guarded(id, `step ${step.name}`, async (state, _config, base) => {
    const update = readStepUpdate(step.name, await step.run(state, { ...base, node: id }));
    const output = update.output ?? null;
    return outcomeAfter(spec.graph, id, state, output, { outputs: { [id]: output }, ...(update.scratch ? { scratch: update.scratch } : {}) });
  });
}

/** Runs code for a node: skips when the run has already ended, and turns a throw into a failed run. */
function guarded(
  id: string,
  what: string,
  work: (state: TeamStateValue, config: LangGraphRunnableConfig, base: { runId: string; threadId: string; signal: AbortSignal }) => Promise<Outcome>,
): NodeFn {
  return async (state, config) => {
    if (state.status !== "running") return new Command({ goto: END });
    const base = {
      runId: String(config.configurable?.[RUN_ID_KEY] ?? ""),
      threadId: String(config.configurable?.thread_id ?? ""),
      signal: config.signal ?? new AbortController().signal,
    };
    try {
      const outcome = await work(state, config, base);
      return new Command({ goto: outcome.goto, ...(outcome.update ? { update: outcome.update } : {}) });
    } catch (error) {
      const typed = toTroupeError(error, "TOOL_FAILED", `${what} (graph node ${id})`);
      if (typed.code === "ABORTED") throw typed;
      return new Command({ goto: END, update: { status: "failed", error: typed.toInfo() } });
    }
  };
}

/** The task when a node gives none: the run's input, then what the nodes that led here produced this run. */
function defaultTask(spec: CustomSpec, id: string, state: TeamStateValue): string {
  const earlier = predecessorsOf(spec.graph, id).filter((p) => ranThisRun(state, p) && state.outputs[p] !== undefined);
  if (!earlier.length) return state.input;
  return [state.input, "Results so far:", ...earlier.map((p) => `[${p}]\n${resultText(state.outputs[p])}`)].join("\n\n");
}

/** The same on replay and resume (thread, user turn, superstep, node), so a tool can skip a repeated side effect. */
function idempotencyKey(state: TeamStateValue, config: LangGraphRunnableConfig, id: string): string {
  const step = (config.metadata as { langgraph_step?: number } | undefined)?.langgraph_step ?? state.turn;
  return `${config.configurable?.thread_id ?? ""}:${state.userTurn}:${step}:${id}`;
}

