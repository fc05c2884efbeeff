// A swarm (4 agents, 10 handoffs, then the 11th turn answers) vs createSwarm from
// @langchain/langgraph-swarm on the same scripted turns: 11 model calls on each side, MemorySaver
// on each side. Each agent may transfer to each other agent on both sides.
import { randomUUID } from "node:crypto";
import { MemorySaver } from "@langchain/langgraph";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { createHandoffTool, createSwarm } from "@langchain/langgraph-swarm";
import { defineAgent, memoryStore } from "@troupe/core";
import { swarm } from "@troupe/patterns";
import { transfer } from "@troupe/testing";
import { callsOf, ScriptedChatModel } from "./lib/scripted-chat-model.mjs";
import { scriptedClient } from "./lib/scripted-client.mjs";
import { lastText, scriptsOf } from "./lib/scripts.mjs";

const AGENTS = ["a1", "a2", "a3", "a4"];
const HANDOFFS = 10;
const ANSWER = "Here is the answer.";
const INSTRUCTIONS = "Help the user; transfer the conversation when another agent is better suited.";

/** One run: a1 -> a2 -> a3 -> a4 -> a1 ... (10 transfers), then the agent holding it answers. */
function sequence(transferTurn) {
  const steps = [];
  for (let i = 0; i < HANDOFFS; i++)
    steps.push([AGENTS[i % AGENTS.length], transferTurn(AGENTS[(i + 1) % AGENTS.length], `hop ${i + 1}`)]);
  steps.push([AGENTS[HANDOFFS % AGENTS.length], ANSWER]);
  return scriptsOf(steps);
}

function troupeSide() {
  const model = scriptedClient(sequence((to, task) => transfer(to, task, "better suited")));
  const [entry, ...rest] = AGENTS.map((name) =>
    defineAgent({ name, description: `Agent ${name}`, instructions: INSTRUCTIONS }),
  );
  const team = swarm({
    name: "bench-swarm",
    entry,
    agents: rest,
    limits: { maxTurns: HANDOFFS + 5 },
    model,
    store: memoryStore(),
  });
  return {
    label: "Troupe swarm",
    run: () => team.run("Help me.", { threadId: randomUUID() }),
    calls: () => model.calls,
    verify: (r) =>
      r.output === ANSWER && r.steps.length === HANDOFFS + 1
        ? undefined
        : `got ${r.steps.length} steps, output ${JSON.stringify(r.output)}`,
    close: () => team.close(),
  };
}

function langgraphSide() {
  const scripts = sequence((to) => ({ toolCalls: [{ name: `transfer_to_${to}`, input: {} }] }));
  const models = Object.fromEntries(AGENTS.map((name) => [name, new ScriptedChatModel(scripts[name])]));
  const agents = AGENTS.map((name) =>
    createReactAgent({
      llm: models[name],
      name,
      prompt: INSTRUCTIONS,
      tools: AGENTS.filter((other) => other !== name).map((other) =>
        createHandoffTool({ agentName: other, description: `Agent ${other}` }),
      ),
    }),
  );
  const graph = createSwarm({ agents, defaultActiveAgent: AGENTS[0] }).compile({ checkpointer: new MemorySaver() });
  return {
    label: "createSwarm",
    run: () =>
      graph.invoke(
        { messages: [{ role: "user", content: "Help me." }] },
        { configurable: { thread_id: randomUUID() }, recursionLimit: 100 },
      ),
    calls: callsOf(Object.values(models)),
    verify: (state) => (lastText(state) === ANSWER ? undefined : `last message ${lastText(state)}`),
  };
}

export default [
  {
    id: "swarm",
    title: "swarm, 4 agents, 10 handoffs: Troupe vs createSwarm",
    kind: "ratio",
    goal: { maxRatio: 1.0 },
    runs: 31,
    batch: 3,
    setup: async () => {
      const candidate = troupeSide();
      return { baseline: langgraphSide(), candidate, teardown: candidate.close };
    },
  },
];
