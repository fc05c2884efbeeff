import { afterEach, describe, expect, it } from "vitest";
import { defineAgent, isTroupeError, memoryStore, textOf, type ModelRequest } from "@troupe/core";
import { assertValidTranscript, delegate, finish, ScriptedModel } from "@troupe/testing";
import { network, type NetworkTeamOptions } from "../index.js";

const models: ScriptedModel[] = [];
afterEach(() => {
  // every request any agent made must be one the Messages API accepts
  for (const model of models.splice(0)) model.calls.forEach(assertValidTranscript);
});

function scripted(script: ConstructorParameters<typeof ScriptedModel>[0]): ScriptedModel {
  const model = new ScriptedModel(script);
  models.push(model);
  return model;
}

function team(model: ScriptedModel, names: string[], options: Partial<NetworkTeamOptions> = {}) {
  const agents = names.map((name) =>
    defineAgent({ name, description: `${name} the peer`, instructions: `You are ${name}.`, model }),
  );
  return network({ name: "panel", agents, model, store: memoryStore(), limits: { maxTurns: 12 }, ...options });
}

const requestText = (call: ModelRequest) => textOf(call.messages[0]);
const delegateEnum = (call: ModelRequest) => {
  const schema = call.tools.find((t) => t.name === "delegate")?.inputSchema as {
    properties: { agent: { enum: string[] } };
  };
  return schema.properties.agent.enum;
};

describe("network pattern", () => {
  it("round robin on full links: a, b, c, a, and each speaker reads the blackboard", async () => {
    const model = scripted({
      alice: ["A1: launch in May", "A2: final plan"],
      bob: ["B1: budget is fine"],
      carol: ["C1: hire two"],
    });
    const t = team(model, ["alice", "bob", "carol"], { termination: { maxTurns: 4 } });
    const result = await t.run("Plan the launch", { threadId: "rr" });
    expect(result.status).toBe("completed");
    expect(result.steps.map((s) => s.agent)).toEqual(["alice", "bob", "carol", "alice"]);
    expect(result.output).toBe("A2: final plan");
    const state = await t.state("rr");
    expect(state?.scratch.endReason).toBe("max_turns");
    expect(state?.scratch.blackboard).toEqual([
      { userTurn: 1, turn: 1, agent: "alice", text: "A1: launch in May" },
      { userTurn: 1, turn: 2, agent: "bob", text: "B1: budget is fine" },
      { userTurn: 1, turn: 3, agent: "carol", text: "C1: hire two" },
      { userTurn: 1, turn: 4, agent: "alice", text: "A2: final plan" },
    ]);
    // payload: the request and everything said before reach each speaker
    expect(requestText(model.callsBy("alice")[0]!)).toContain(
      "Current request: Plan the launch\n(nobody has spoken on it yet)",
    );
    const carol = requestText(model.callsBy("carol")[0]!);
    expect(carol).toContain("[alice, turn 1] A1: launch in May\n[bob, turn 2] B1: budget is fine");
    expect(requestText(model.callsBy("alice")[1]!)).toContain("[carol, turn 3] C1: hire two");
    // speakers are offered finish and nothing else
    expect(model.calls.every((c) => c.tools.map((x) => x.name).join() === "finish")).toBe(true);
    model.assertAllUsed();
  });

  it("round robin passes only along links, giving each linked peer its turn", async () => {
    const model = scripted({ hub: ["H1", "H2", "H3"], x: ["X1"], y: ["Y1"] });
    const t = team(model, ["hub", "x", "y"], {
      links: { hub: ["x", "y"], x: ["hub"], y: ["hub"] },
      termination: { maxTurns: 5 },
    });
    const result = await t.run("go", { threadId: "star" });
    expect(result.steps.map((s) => s.agent)).toEqual(["hub", "x", "hub", "y", "hub"]);
    const diagram = await t.mermaid();
    expect(diagram).toMatch(/hub -\.-> x/);
    expect(diagram).toMatch(/x -\.-> hub/);
    expect(diagram).not.toMatch(/x -\.-> y/);
  });

  it("a model router picks among the last speaker's links; its task reaches the peer; a non-linked pick is refused and retried", async () => {
    const model = scripted({
      alice: ["A1: idea", finish("FINAL: ship it")],
      carol: ["C1: numbers"],
      bob: [],
      network_router: [
        delegate("carol", "give numbers for alice's idea"),
        delegate("bob", "weigh in"),
        delegate("alice", "wrap up"),
      ],
    });
    const t = team(model, ["alice", "bob", "carol"], {
      router: "model",
      links: { alice: ["bob", "carol"], bob: ["alice"], carol: ["alice"] },
    });
    const result = await t.run("Should we ship?", { threadId: "router" });
    expect(result.steps.map((s) => s.agent)).toEqual(["alice", "network_router", "carol", "network_router", "alice"]);
    expect(result.output).toBe("FINAL: ship it");
    expect((await t.state("router"))?.scratch.endReason).toBe("finish");
    const routerCalls = model.callsBy("network_router");
    expect(delegateEnum(routerCalls[0]!)).toEqual(["bob", "carol"]);
    expect(delegateEnum(routerCalls[1]!)).toEqual(["alice"]);
    // carol -> bob is not a link: the agent loop answers the call with a tool error and the router tries again
    const refused = routerCalls[2]!.messages.at(-1)!.content[0];
    expect(refused).toMatchObject({ type: "tool_result", isError: true });
    expect(refused?.type === "tool_result" && refused.content).toMatch(/^delegate: agent/);
    expect(requestText(model.callsBy("carol")[0]!)).toContain("network_router asks you: give numbers for alice's idea");
    expect(requestText(model.callsBy("alice")[1]!)).toContain("network_router asks you: wrap up");
    expect(model.callsBy("bob")).toHaveLength(0);
    model.assertAllUsed();
  });

  it("a moderating agent routes without speaking and may finish with its own answer", async () => {
    const model = scripted({
      pro: ["P1: adopt"],
      con: ["C1: too costly"],
      moderator: [delegate("con", "rebut pro"), finish("Verdict: adopt, in phases")],
    });
    const moderator = defineAgent({
      name: "moderator",
      description: "Runs the debate",
      instructions: "Moderate.",
      model,
    });
    const t = team(model, ["pro", "con"], { router: moderator });
    const result = await t.run("Adopt sagas?", { threadId: "mod" });
    expect(result.steps.map((s) => s.agent)).toEqual(["pro", "moderator", "con", "moderator"]);
    expect(result.output).toBe("Verdict: adopt, in phases");
    const state = await t.state("mod");
    expect(state?.scratch.endReason).toBe("finish");
    expect((state?.scratch.blackboard as { agent: string }[]).map((e) => e.agent)).toEqual(["pro", "con"]);
    expect(requestText(model.callsBy("con")[0]!)).toContain("moderator asks you: rebut pro");
  });

  it("a router that answers without picking leaves the pick to round robin", async () => {
    const model = scripted({ a: ["A1"], b: ["B1"], network_router: ["I am not sure who should go next"] });
    const t = team(model, ["a", "b", "c"], { router: "model", termination: { maxTurns: 2 } });
    const result = await t.run("go", { threadId: "fallback" });
    expect(result.steps.map((s) => s.agent)).toEqual(["a", "network_router", "b"]);
    expect(result.output).toBe("B1");
  });

  it("a second run on the thread continues the blackboard from the entry peer", async () => {
    const model = scripted({ a: ["A1", "A2"], b: ["B1", "B2"] });
    const t = team(model, ["a", "b"], { termination: { maxTurns: 2 } });
    await t.run("first question", { threadId: "multi" });
    const second = await t.run("follow-up", { threadId: "multi" });
    expect(second.steps.map((s) => [s.userTurn, s.agent])).toEqual([
      [2, "a"],
      [2, "b"],
    ]);
    expect(second.output).toBe("B2");
    const seen = requestText(model.callsBy("a")[1]!);
    expect(seen).toContain(
      "Earlier request: first question\n[a, turn 1] A1\n[b, turn 2] B1\nCurrent request: follow-up\n(nobody has spoken on it yet)",
    );
    const state = await t.state("multi");
    expect(
      (state?.scratch.blackboard as { userTurn: number; text: string }[]).map((e) => `${e.userTurn}:${e.text}`),
    ).toEqual(["1:A1", "1:B1", "2:A2", "2:B2"]);
    expect(state?.scratch.endReason).toBe("max_turns");
  });

  it("after a failed run, the next run starts clean: the router's pending task is not shown again", async () => {
    const model = scripted({
      a: ["A1", new Error("model down"), "A2"],
      b: ["B1", finish("B: done")],
      network_router: [delegate("b", "check"), delegate("a", "stale task"), delegate("b", "finish up")],
    });
    const t = team(model, ["a", "b"], { router: "model" });
    const failed = await t.run("first", { threadId: "recover" }).catch((e: unknown) => e);
    expect(isTroupeError(failed) && failed.message).toContain("model down");
    const second = await t.run("second", { threadId: "recover" });
    expect(second.output).toBe("B: done");
    expect(requestText(model.callsBy("a")[1]!)).toContain("network_router asks you: stale task");
    expect(requestText(model.callsBy("a")[2]!)).not.toContain("stale task");
    expect(requestText(model.callsBy("b")[1]!)).toContain("network_router asks you: finish up");
  });

  it("replays from a mid-run checkpoint with zero model calls", async () => {
    const model = scripted({
      a: ["A1", finish("DONE")],
      c: ["C1"],
      network_router: [delegate("c", "add detail"), delegate("a", "conclude")],
    });
    const t = team(model, ["a", "b", "c"], { router: "model" });
    const live = await t.run("go", { threadId: "replay" });
    const history = await t.history("replay");
    const mid = history.find((c) => c.next.includes("c"));
    expect(mid).toBeDefined();
    const callsBefore = model.calls.length;
    const replayed = await t.replay("replay", { from: mid!.checkpointId });
    expect(model.calls.length).toBe(callsBefore);
    expect(replayed.output).toBe("DONE");
    expect(replayed.steps.map((s) => s.agent)).toEqual(live.steps.map((s) => s.agent));
    expect((await t.state("replay"))?.scratch.endReason).toBe("finish");
  });
});
