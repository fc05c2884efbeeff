import { END, Send, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  definePattern,
  defineTool,
  finishOutcome,
  memoryStore,
  TeamState,
  textOf,
  TroupeError,
  type ModelClient,
  type ModelRequest,
  type ModelResponse,
  type TeamStateUpdate,
  type TeamStateValue,
  type TroupeEvent,
} from "@troupe/core";
import { loadTeam } from "../index.js";

const DOCS = [1, 2, 3, 4, 5];

/**
 * A deterministic extractor model, like the offline one: it files the doc named in its task with
 * save_extract, then answers. Every branch's tool call has the same tool-use id (as a deterministic
 * model gives), slower docs answer later, and the first call for doc 3 fails with a 503.
 */
function extractorModel(): ModelClient & { calls: number } {
  let failedDoc3 = false;
  const model = {
    id: "extractor-model",
    calls: 0,
    async generate(request: ModelRequest): Promise<ModelResponse> {
      model.calls++;
      const first = request.messages.find((m) => m.role === "user");
      const doc = Number(/doc (\d+)/.exec(textOf(first))?.[1]);
      const answered = request.messages.some((m) => m.content.some((b) => b.type === "tool_result"));
      await new Promise((r) => setTimeout(r, (6 - doc) * 15));
      if (doc === 3 && !failedDoc3) {
        failedDoc3 = true;
        throw new TroupeError("MODEL_SERVER_ERROR", "503 from the model API");
      }
      const usage = { inputTokens: 1, outputTokens: 1, costUsd: 0 };
      if (!answered) {
        return {
          content: [{ type: "tool_use", id: "toolu_1", name: "save_extract", input: { doc } }],
          stopReason: "tool_use",
          usage,
          model: "x",
        };
      }
      return { content: [{ type: "text", text: `extract of doc ${doc}` }], stopReason: "end_turn", usage, model: "x" };
    },
  };
  return model;
}

function saveExtract(effects: Array<{ doc: number; key: string }>) {
  return defineTool({
    name: "save_extract",
    description: "Files a doc's extract",
    input: z.object({ doc: z.number() }),
    run: ({ doc }, { idempotencyKey }) => {
      effects.push({ doc, key: idempotencyKey });
      return `filed doc ${doc}`;
    },
    compensate: () => undefined,
  });
}

/** A user's pattern that fans out with LangGraph `Send`: one task per doc on one node, then a join. */
const perDoc = definePattern({
  name: "per-doc",
  description: "Sends one extract task per doc to the same node, then merges",
  options: z.object({ extractor: z.string() }).strict(),
  compile(spec, ctx) {
    const graph = new StateGraph<typeof TeamState, TeamStateValue, TeamStateUpdate, string>(TeamState);
    graph.addNode(
      "extract",
      ctx.agentNode(spec.extractor, {
        prepare: (state) => ({ task: `Extract doc ${String(state.scratch.doc)}` }),
        commit: (state, result) => ({
          goto: "merge",
          update: { outputs: { [`doc${String(state.scratch.doc)}`]: result.output } },
        }),
      }),
      { ends: ["merge", END] },
    );
    graph.addNode(
      "merge",
      ctx.codeNode("merge", {
        label: "merge",
        run: async (state) => DOCS.map((d) => state.outputs[`doc${d}`]).join(" | "),
        commit: (_state, output) => finishOutcome(output),
      }),
      { ends: [END], defer: true },
    );
    graph.addConditionalEdges(START, (state: TeamStateValue) =>
      DOCS.map((doc) => new Send("extract", { ...state, scratch: { ...state.scratch, doc } })),
    );
    return graph;
  },
});

const agents = {
  extractor: { description: "Extracts docs", instructions: "Extract the doc.", tools: ["save_extract"] },
};
const resilience = { retry: { maxRetries: 2, baseDelayMs: 0, maxDelayMs: 0 } };

async function collect(events: AsyncIterable<TroupeEvent>): Promise<TroupeEvent[]> {
  const all: TroupeEvent[] = [];
  for await (const e of events) all.push(e);
  return all;
}

function expectOwnEffects(effects: Array<{ doc: number; key: string }>) {
  expect(effects.map((e) => e.doc).sort()).toEqual(DOCS);
  expect(new Set(effects.map((e) => e.key)).size).toBe(DOCS.length);
}

describe("every branch of a fan-out has its own call identity", () => {
  it("custom graph: five nodes running one agent, unequal delays and one retried branch, each get their own answer and side effect", async () => {
    const effects: Array<{ doc: number; key: string }> = [];
    const nodes = Object.fromEntries([
      ["intake", { tool: "save_extract", input: { doc: 0 } }],
      ...DOCS.map((d) => [`d${d}`, { agent: "extractor", task: `Extract doc ${d}` }]),
      [
        "merge",
        { agent: "extractor", join: true, task: "Merge doc 9: " + DOCS.map((d) => `{{outputs.d${d}}}`).join(" | ") },
      ],
    ]);
    const edges = [
      { from: "intake", to: DOCS.map((d) => `d${d}`) },
      ...DOCS.map((d) => ({ from: `d${d}`, to: "merge" })),
      { from: "merge", to: "end" },
    ];
    const raw = {
      name: "fan",
      pattern: "custom",
      agents,
      resilience,
      limits: { maxTurns: 20 },
      graph: { entry: "intake", nodes, edges },
    };
    const team = await loadTeam(
      { raw, baseDir: process.cwd() },
      { store: memoryStore(), model: extractorModel(), tools: [saveExtract(effects)] },
    );
    try {
      const events = await collect(team.stream("extract", { threadId: "fan-1" }));
      const outputs = (await team.state("fan-1"))!.outputs;
      for (const d of DOCS) expect(outputs[`d${d}`]).toBe(`extract of doc ${d}`);
      expect(events.filter((e) => e.type === "retry").map((e) => (e as { name: string }).name)).toEqual(["extractor"]);
      // intake (doc 0), the five branches, the merge (doc 9)
      expect(effects.map((e) => e.doc).sort()).toEqual([0, ...DOCS, 9]);
      expect(new Set(effects.map((e) => e.key)).size).toBe(DOCS.length + 2);
    } finally {
      await team.close();
    }
  });

  it("definePattern with Send: five tasks on one node, unequal delays and one retried branch, each get their own answer and side effect", async () => {
    const effects: Array<{ doc: number; key: string }> = [];
    const raw = {
      name: "docs",
      pattern: "per-doc",
      extractor: "extractor",
      agents,
      resilience,
      limits: { maxTurns: 20 },
    };
    const team = await loadTeam(
      { raw, baseDir: process.cwd() },
      { store: memoryStore(), model: extractorModel(), tools: [saveExtract(effects)], patterns: [perDoc] },
    );
    try {
      const result = await team.run("extract", { threadId: "send-1" });
      expect(result.output).toBe(DOCS.map((d) => `extract of doc ${d}`).join(" | "));
      expectOwnEffects(effects);
    } finally {
      await team.close();
    }
  });
});
