// A supervisor team (lead + 3 workers, 10 routings, then the lead's answer) vs createSupervisor
// from @langchain/langgraph-supervisor on the same scripted turns: 11 lead calls + 10 worker calls
// on each side, MemorySaver on each side.
import { randomUUID } from "node:crypto";
import { MemorySaver } from "@langchain/langgraph";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { createSupervisor } from "@langchain/langgraph-supervisor";
import { defineAgent, memoryStore } from "@troupe/core";
import { supervisor } from "@troupe/patterns";
import { delegate, finish } from "@troupe/testing";
import { callsOf, ScriptedChatModel } from "./lib/scripted-chat-model.mjs";
import { scriptedClient } from "./lib/scripted-client.mjs";
import { lastText, scriptsOf } from "./lib/scripts.mjs";

const WORKERS = ["w1", "w2", "w3"];
const ROUTINGS = 10;
const ANSWER = "All ten parts are done.";
const INSTRUCTIONS = {
  lead: "Split the request into parts and route each part to a worker.",
  w1: "Do the part you are given.",
  w2: "Do the part you are given.",
  w3: "Do the part you are given.",
};

/** Who acts in one run, in order: lead, worker, lead, worker, ..., lead. */
function sequence(routeTurn, workerTurn, finalTurn) {
  const steps = [];
  for (let i = 0; i < ROUTINGS; i++) {
    const worker = WORKERS[i % WORKERS.length];
    steps.push(["lead", routeTurn(worker, `part ${i + 1}`)], [worker, workerTurn(worker)]);
  }
  steps.push(["lead", finalTurn]);
  return scriptsOf(steps);
}

function troupeSide() {
  const model = scriptedClient(sequence(delegate, (w) => `${w} did its part`, finish(ANSWER)));
  const agent = (name) =>
    defineAgent({
      name,
      description: name === "lead" ? "Routes the work" : `Worker ${name}`,
      instructions: INSTRUCTIONS[name],
    });
  const team = supervisor({
    name: "bench-supervisor",
    lead: agent("lead"),
    workers: WORKERS.map(agent),
    limits: { maxTurns: 2 * ROUTINGS + 5 },
    model,
    store: memoryStore(),
  });
  return {
    label: "Troupe supervisor",
    run: () => team.run("Do the ten parts.", { threadId: randomUUID() }),
    calls: () => model.calls,
    verify: (r) =>
      r.output === ANSWER && r.steps.length === 2 * ROUTINGS + 1
        ? undefined
        : `got ${r.steps.length} steps, output ${JSON.stringify(r.output)}`,
    close: () => team.close(),
  };
}

function langgraphSide() {
  const scripts = sequence(
    (w) => ({ toolCalls: [{ name: `transfer_to_${w}`, input: {} }] }),
    (w) => `${w} did its part`,
    ANSWER,
  );
  const models = Object.fromEntries(
    Object.entries(scripts).map(([agent, turns]) => [agent, new ScriptedChatModel(turns)]),
  );
  const workers = WORKERS.map((name) =>
    createReactAgent({ llm: models[name], tools: [], name, prompt: INSTRUCTIONS[name] }),
  );
  const graph = createSupervisor({
    agents: workers,
    llm: models.lead,
    prompt: INSTRUCTIONS.lead,
    supervisorName: "lead",
  }).compile({ checkpointer: new MemorySaver() });
  return {
    label: "createSupervisor",
    run: () =>
      graph.invoke(
        { messages: [{ role: "user", content: "Do the ten parts." }] },
        { configurable: { thread_id: randomUUID() }, recursionLimit: 100 },
      ),
    calls: callsOf(Object.values(models)),
    verify: (state) => (lastText(state) === ANSWER ? undefined : `last message ${lastText(state)}`),
  };
}

export default [
  {
    id: "supervisor",
    title: "supervisor, lead + 3 workers, 10 routings: Troupe vs createSupervisor",
    kind: "ratio",
    goal: { maxRatio: 1.0 },
    runs: 31,
    batch: 2,
    setup: async () => {
      const candidate = troupeSide();
      return { baseline: langgraphSide(), candidate, teardown: candidate.close };
    },
  },
];
