import { describe, expect, it } from "vitest";
import { checkSpec, isTroupeError, memoryStore } from "@troupe/core";
import { assertValidTranscript, delegate, finish, ScriptedModel } from "@troupe/testing";
import { builtinPatterns, loadTeam } from "../index.js";

const agent = (description: string) => ({ description, instructions: `You ${description}.` });
const base = (extra: Record<string, unknown> = {}) => ({
  name: "panel",
  pattern: "network",
  agents: { alice: agent("plan"), bob: agent("check"), carol: agent("count") },
  ...extra,
});
const problems = (raw: unknown) => checkSpec(raw, { patterns: builtinPatterns }).problems;
const paths = (raw: unknown) => problems(raw).map((p) => p.path);

describe("network spec", () => {
  it("accepts a minimal spec and applies the round robin default", () => {
    const { spec, problems: found } = checkSpec(base(), { patterns: builtinPatterns });
    expect(found).toEqual([]);
    expect(spec?.router).toBe("round_robin");
  });

  it("names unknown agents in entry, links and router at their paths", () => {
    expect(problems(base({ entry: "alise" }))).toEqual([
      { path: "entry", message: 'unknown agent "alise" (did you mean "alice"?)' },
    ]);
    expect(
      paths(base({ links: { alice: ["bob", "dave"], bob: ["alice"], carol: ["alice"], zed: ["alice"] } })),
    ).toEqual(["links.alice[1]", "links.zed"]);
    expect(problems(base({ router: "modle" }))[0]).toMatchObject({
      path: "router",
      message: expect.stringContaining('(did you mean "model"?)'),
    });
  });

  it("refuses self-links, duplicates, empty and missing links, and unreachable peers", () => {
    expect(paths(base({ links: { alice: ["alice", "bob"], bob: ["carol", "carol"], carol: [] } }))).toEqual([
      "links.alice[0]",
      "links.bob[1]",
      "links.carol",
    ]);
    expect(paths(base({ links: { alice: ["bob"], bob: ["alice"] } }))).toEqual(["links.carol", "agents.carol"]);
  });

  it("keeps a moderating router out of the speakers", () => {
    const spec = { agents: { alice: agent("plan"), bob: agent("check"), mod: agent("moderate") }, router: "mod" };
    expect(problems(base(spec))).toEqual([]);
    expect(paths(base({ ...spec, entry: "mod", links: { alice: ["mod"], bob: ["alice"] } }))).toEqual([
      "entry",
      "links.alice[0]",
    ]);
    expect(paths(base({ agents: { alice: agent("plan"), mod: agent("moderate") }, router: "mod" }))).toEqual([
      "agents",
    ]);
  });

  it("refuses a spec agent named like the model router, and an empty or endless termination", () => {
    expect(paths(base({ router: "model", agents: { alice: agent("plan"), network_router: agent("route") } }))).toEqual([
      "agents.network_router",
    ]);
    expect(
      paths(
        base({
          router: "round_robin",
          agents: { alice: agent("plan"), bob: agent("check"), round_robin: agent("spin") },
        }),
      ),
    ).toEqual(["router"]);
    expect(paths(base({ termination: {} }))).toEqual(["termination"]);
    expect(paths(base({ termination: { onFinish: false } }))).toEqual(["termination.onFinish"]);
    expect(paths(base({ termination: { maxTurns: 0, phrase: "" } }))).toEqual([
      "termination.maxTurns",
      "termination.phrase",
    ]);
    expect(paths(base({ termination: { maxTurn: 3 } }))).toEqual(["termination.maxTurn"]);
  });

  it("runs from YAML-shaped data with a model router served by the team model", async () => {
    const model = new ScriptedModel({
      alice: ["A1"],
      bob: [finish("B: answer")],
      network_router: [delegate("bob", "check it")],
    });
    const raw = base({
      router: "model",
      links: { alice: ["bob"], bob: ["carol"], carol: ["alice"] },
      termination: { maxTurns: 6 },
    });
    const team = await loadTeam({ raw, baseDir: process.cwd() }, { model, store: memoryStore() });
    const result = await team.run("go", { threadId: "yaml" });
    expect(result.output).toBe("B: answer");
    expect(result.steps.map((s) => s.agent)).toEqual(["alice", "network_router", "bob"]);
    model.calls.forEach(assertValidTranscript);
    const bad = await loadTeam(
      { raw: base({ entry: "nobody" }), baseDir: process.cwd() },
      { model, store: memoryStore() },
    ).catch((e: unknown) => e);
    expect(isTroupeError(bad, "SPEC_INVALID")).toBe(true);
  });
});
