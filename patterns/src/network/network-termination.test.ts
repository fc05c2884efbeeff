import { afterEach, describe, expect, it } from "vitest";
import { defineAgent, isTroupeError, memoryStore, type RunResult } from "@troupe/core";
import { assertValidTranscript, finish, ScriptedModel } from "@troupe/testing";
import { network, type NetworkTeamOptions } from "../index.js";

const models: ScriptedModel[] = [];
afterEach(() => {
  for (const model of models.splice(0)) model.calls.forEach(assertValidTranscript);
});

function team(script: ConstructorParameters<typeof ScriptedModel>[0], options: Partial<NetworkTeamOptions>) {
  const model = new ScriptedModel(script);
  models.push(model);
  const agents = ["a", "b", "c"].map((name) =>
    defineAgent({ name, description: `peer ${name}`, instructions: `You are ${name}.`, model }),
  );
  return { model, team: network({ name: "panel", agents, model, store: memoryStore(), ...options }) };
}

async function ended(t: ReturnType<typeof team>["team"], threadId: string, input = "go") {
  const result = await t.run(input, { threadId });
  return { result, reason: (await t.state(threadId))?.scratch.endReason };
}

function failure(error: unknown): RunResult {
  return (error as { details: { result: RunResult } }).details.result;
}

describe("network termination", () => {
  it("ends on the phrase (any case), telling speakers to say it", async () => {
    const { model, team: t } = team(
      { a: ["A1"], b: ["We are Agreed: ship"] },
      { termination: { phrase: "AGREED", maxTurns: 10 } },
    );
    const { result, reason } = await ended(t, "phrase");
    expect(reason).toBe("phrase");
    expect(result.status).toBe("completed");
    expect(result.output).toBe("We are Agreed: ship");
    expect(result.steps.map((s) => s.agent)).toEqual(["a", "b"]);
    expect(model.calls[0]!.system).toContain('say "AGREED"');
  });

  it("ends on a speaker's finish call with its answer", async () => {
    const { team: t } = team({ a: ["A1"], b: [finish("the answer")] }, {});
    const { result, reason } = await ended(t, "finish");
    expect(reason).toBe("finish");
    expect(result.output).toBe("the answer");
  });

  it("a plain answer does not end the run; only the finish call does", async () => {
    const { team: t } = team({ a: ["A1", finish("A: done")], b: ["B1"], c: ["C1"] }, {});
    const { result, reason } = await ended(t, "plain");
    expect(result.steps.map((s) => s.agent)).toEqual(["a", "b", "c", "a"]);
    expect(reason).toBe("finish");
  });

  it("without onFinish, finish is not offered and a finish call is refused as a tool error", async () => {
    const { model, team: t } = team(
      { a: [finish("too early"), "A1"], b: ["B1"] },
      { termination: { onFinish: false, maxTurns: 2 } },
    );
    const { result, reason } = await ended(t, "nofinish");
    expect(reason).toBe("max_turns");
    expect(result.output).toBe("B1");
    expect(model.calls.every((c) => c.tools.length === 0)).toBe(true);
    expect(model.callsBy("a")[1]!.messages.at(-1)!.content[0]).toMatchObject({
      type: "tool_result",
      isError: true,
      content: "finish is not available to you here",
    });
  });

  it("termination.maxTurns ends completed with reason max_turns", async () => {
    const { team: t } = team({ a: ["A1"], b: ["B1"], c: ["C1"] }, { termination: { maxTurns: 3 } });
    const { result, reason } = await ended(t, "turns");
    expect(result.status).toBe("completed");
    expect(reason).toBe("max_turns");
    expect(result.output).toBe("C1");
  });

  it("termination.maxTokens ends completed with reason budget once the run used that many tokens", async () => {
    // each scripted call uses 15 tokens: 15, 30, 45 >= 40
    const { team: t } = team({ a: ["A1"], b: ["B1"], c: ["C1"] }, { termination: { maxTokens: 40 } });
    const { result, reason } = await ended(t, "budget");
    expect(result.status).toBe("completed");
    expect(reason).toBe("budget");
    expect(result.steps.map((s) => s.agent)).toEqual(["a", "b", "c"]);
    expect(result.usage.inputTokens + result.usage.outputTokens).toBe(45);
    expect(result.output).toBe("C1");
  });

  it("the budget counts the router's tokens too and keeps the last speaker's answer", async () => {
    const { team: t } = team(
      { a: ["A1"], network_router: [{ text: "thinking", usage: { inputTokens: 50, outputTokens: 5 } }] },
      { router: "model", termination: { maxTokens: 60 } },
    );
    const { result, reason } = await ended(t, "router-budget");
    expect(reason).toBe("budget");
    expect(result.steps.map((s) => s.agent)).toEqual(["a", "network_router"]);
    expect(result.output).toBe("A1");
  });

  it("limits.maxTokens is a hard failure (BUDGET_EXCEEDED) with the partial result", async () => {
    const { team: t } = team({ a: ["A1"], b: ["B1"], c: ["C1"] }, { limits: { maxTurns: 12, maxTokens: 40 } });
    const error = await t.run("go", { threadId: "hard-budget" }).catch((e: unknown) => e);
    expect(isTroupeError(error, "BUDGET_EXCEEDED")).toBe(true);
    expect(failure(error).status).toBe("failed");
    expect(failure(error).steps.map((s) => s.agent)).toEqual(["a", "b", "c"]);
  });

  it("limits.maxTurns is a hard failure (MAX_TURNS_EXCEEDED), unlike termination.maxTurns", async () => {
    const { team: t } = team(
      { a: ["A1"], b: ["B1"], c: ["C1"] },
      { limits: { maxTurns: 3 }, termination: { maxTurns: 10 } },
    );
    const error = await t.run("go", { threadId: "hard-turns" }).catch((e: unknown) => e);
    expect(isTroupeError(error, "MAX_TURNS_EXCEEDED")).toBe(true);
    expect(failure(error).steps.map((s) => s.agent)).toEqual(["a", "b", "c"]);
    expect((await t.state("hard-turns"))?.scratch.endReason).toBeNull();
  });
});
