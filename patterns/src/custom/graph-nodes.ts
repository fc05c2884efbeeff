import { END } from "@langchain/langgraph";
import {
  closeDangling,
  readStepUpdate,
  type AgentNodePlan,
  type CodeNodePlan,
  type StepDefinition,
  type TeamStateValue,
  type Tool,
  type ToolNodePlan,
} from "@troupe/core";
import { resultText } from "../pattern-helpers.js";
import { predecessorsOf, type CustomSpec } from "./custom-spec.js";
import { outcomeAfter, ranThisRun } from "./graph-routing.js";
import { renderInput, renderTemplate } from "./graph-template.js";

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
      const update = {
        outputs: { [agent]: result.output, [id]: result.output },
        transcripts: { [id]: result.messages },
      };
      return outcomeAfter(spec.graph, id, state, result.output, update);
    },
  };
}

/** The plan of a node that calls a tool directly with its (templated) input; the result is the node's output. */
export function toolNodePlan(spec: CustomSpec, id: string, tool: Tool): ToolNodePlan {
  const input = spec.graph.nodes[id]!.input ?? {};
  return {
    tool,
    input: (state) => renderInput(input, state),
    commit: (state, output) => outcomeAfter(spec.graph, id, state, output, { outputs: { [id]: output } }),
  };
}

/** The plan of a node that runs a step (defineStep); its `output` becomes the node's output, its `scratch` is merged. */
export function stepNodePlan(spec: CustomSpec, id: string, step: StepDefinition): CodeNodePlan {
  return {
    label: `step ${step.name}`,
    name: step.name,
    run: async (state, ctx) =>
      readStepUpdate(
        step.name,
        await step.run(state, { runId: ctx.runId, threadId: ctx.threadId, signal: ctx.signal, node: id }),
      ),
    commit: (state, result) => {
      const update = result as { output?: unknown; scratch?: Record<string, unknown> };
      const output = update.output ?? null;
      return outcomeAfter(spec.graph, id, state, output, {
        outputs: { [id]: output },
        ...(update.scratch ? { scratch: update.scratch } : {}),
      });
    },
  };
}

/** The task when a node gives none: the run's input, then what the nodes that led here produced this run. */
function defaultTask(spec: CustomSpec, id: string, state: TeamStateValue): string {
  const earlier = predecessorsOf(spec.graph, id).filter((p) => ranThisRun(state, p) && state.outputs[p] !== undefined);
  if (!earlier.length) return state.input;
  return [state.input, "Results so far:", ...earlier.map((p) => `[${p}]\n${resultText(state.outputs[p])}`)].join(
    "\n\n",
  );
}
