import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { END, START, StateGraph } from "@langchain/langgraph";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineTool,
  definePattern,
  finishOutcome,
  isTroupeError,
  memoryStore,
  TeamState,
  textOf,
  type SpecProblem,
  type TeamStateUpdate,
  type TeamStateValue,
  type TroupeError,
} from "@troupe/core";
import { assertValidTranscript, ScriptedModel } from "@troupe/testing";
import { loadTeam } from "../index.js";

const dir = mkdtempSync(join(tmpdir(), "troupe-custom-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

/** A user's own pattern: agents in a fixed order, each working on the output of the one before. */
const pipeline = definePattern({
  name: "pipeline",
  description: "Agents in a fixed order, each working on the output of the one before",
  options: z.object({ order: z.array(z.string()).min(1) }).strict(),
  check: (spec) =>
    spec.order.flatMap((agent, i) =>
      spec.agents[agent] ? [] : [{ path: `order[${i}]`, message: `unknown agent "${agent}"` }],
    ),
  compile(spec, ctx) {
    const graph = new StateGraph<typeof TeamState, TeamStateValue, TeamStateUpdate, string>(TeamState);
    spec.order.forEach((agent, i) => {
      const next = spec.order[i + 1];
      const plan = ctx.agentNode(agent, {
        prepare: (state) => ({ task: i === 0 ? state.input : String(state.outputs[spec.order[i - 1]!]) }),
        commit: (_state, result) => (next ? { goto: next } : finishOutcome(result.output)),
      });
      graph.addNode(agent, plan, { ends: [...(next ? [next] : []), END] });
    });
    return graph.addEdge(START, spec.order[0]!);
  },
});

const relayYaml = (order: string) => `
name: relay
pattern: pipeline
order: ${order}
agents:
  outline: { description: Outlines, instructions: Outline the topic. }
  draft: { description: Drafts, instructions: Turn the outline into prose. }
`;

describe("a pattern registered with definePattern", () => {
  it("is loadable by name from a YAML spec and runs", async () => {
    const model = new ScriptedModel({
      outline: ["1. undo 2. reverse order"],
      draft: ["Sagas undo completed steps in reverse order."],
    });
    const team = await loadTeam(write("relay.yaml", relayYaml("[outline, draft]")), {
      patterns: [pipeline],
      model,
      store: memoryStore(),
    });
    const result = await team.run("Explain sagas", { threadId: "p1" });
    expect(result.output).toBe("Sagas undo completed steps in reverse order.");
    expect(result.steps.map((s) => s.agent)).toEqual(["outline", "draft"]);
    expect(textOf(model.callsBy("draft")[0]!.messages.at(-1))).toBe("1. undo 2. reverse order");
    for (const call of model.calls) assertValidTranscript(call);
    model.assertAllUsed();
  });

  it("its own checks report at their paths, and an unregistered name is an unknown pattern", async () => {
    const path = write("bad-relay.yaml", relayYaml("[outline, drafter]"));
    const bad = (await loadTeam(path, { patterns: [pipeline], store: memoryStore() }).catch(
      (e: unknown) => e,
    )) as TroupeError;
    expect(isTroupeError(bad, "SPEC_INVALID")).toBe(true);
    expect(bad.details?.problems).toEqual([{ path: "order[1]", message: 'unknown agent "drafter"' }]);
    const unknown = (await loadTeam(write("relay2.yaml", relayYaml("[outline, draft]")), {
      store: memoryStore(),
    }).catch((e: unknown) => e)) as TroupeError;
    expect((unknown.details?.problems as SpecProblem[])[0]).toMatchObject({
      path: "pattern",
      message: expect.stringContaining('unknown pattern "pipeline"'),
    });
  });
});

describe("a custom graph from YAML", () => {
  it("runs agent, tool and imported step nodes", async () => {
    const core = fileURLToPath(new URL("../../../packages/core/src/index.ts", import.meta.url));
    write(
      "steps.mjs",
      `import { defineStep } from ${JSON.stringify(core)};\n` +
        `export const verdict = defineStep({ name: "verdict", run: (state) => ({ output: "score " + state.outputs.score, scratch: { pass: state.outputs.score >= 3 } }) });\n`,
    );
    const score = defineTool({
      name: "score",
      description: "Scores a text",
      input: z.object({ text: z.string() }),
      run: ({ text }) => text.split(" ").length,
    });
    const spec = write(
      "review.yaml",
      `
name: review
pattern: custom
imports: [./steps.mjs]
agents:
  writer: { description: Writes, instructions: Write one sentence. }
graph:
  entry: write
  nodes:
    write: { agent: writer, task: "One sentence on {{input}}" }
    score: { tool: score, input: { text: "{{outputs.write}}" } }
    judge: { step: verdict }
  edges:
    - { from: write, to: score }
    - { from: score, to: judge }
    - { from: judge, to: write, when: { path: scratch.pass, equals: false }, limit: 1 }
`,
    );
    const model = new ScriptedModel({ writer: ["Too short.", "Sagas undo steps in reverse."] });
    const team = await loadTeam(spec, { tools: [score], model, store: memoryStore() });
    const result = await team.run("sagas", { threadId: "y1" });
    expect(result.output).toBe("score 5");
    expect(result.steps.map((s) => s.output)).toEqual(["Too short.", "Sagas undo steps in reverse."]);
    model.assertAllUsed();
  });
});
