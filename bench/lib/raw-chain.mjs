// The raw LangGraph side of the chain benchmarks: the same N nodes in a line, each calling the same
// scripted model once and keeping the agent's transcript and answer in graph state, as a
// LangGraph user would write it by hand.
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";

const last = (fallback) => Annotation({ reducer: (_, next) => next, default: fallback });
const merge = () => Annotation({ reducer: (a, b) => ({ ...a, ...b }), default: () => ({}) });

export const ChainState = Annotation.Root({
  input: last(() => ""),
  transcripts: merge(),
  outputs: merge(),
  output: last(() => null),
});

/**
 * @param {{ agents: Record<string, { instructions: string }>, order: string[] }} spec the agents the Troupe side runs, in order
 * @param {import("@troupe/core").ModelClient} model
 * @param {import("@langchain/langgraph").BaseCheckpointSaver} checkpointer
 */
export function rawChain(spec, model, checkpointer) {
  const { order } = spec;
  const graph = new StateGraph(ChainState);
  order.forEach((agent, i) => {
    const isLast = i === order.length - 1;
    graph.addNode(agent, async (state) => {
      const task = i === 0 ? state.input : String(state.outputs[order[i - 1]]);
      const messages = [{ role: "user", content: [{ type: "text", text: task }] }];
      const response = await model.generate({ agent, system: spec.agents[agent].instructions, messages, tools: [] });
      const text = response.content
        .filter((b) => b.type === "text")
        .map((b) => b.text)
        .join("");
      return {
        transcripts: { [agent]: [...messages, { role: "assistant", content: response.content }] },
        outputs: { [agent]: text },
        ...(isLast ? { output: text } : {}),
      };
    });
  });
  graph.addEdge(START, order[0]);
  order.forEach((agent, i) => graph.addEdge(agent, order[i + 1] ?? END));
  return graph.compile({ checkpointer });
}
