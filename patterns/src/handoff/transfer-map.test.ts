import { describe, expect, it } from "vitest";
import { checkSpec, memoryStore, parseSpecText } from "@troupe/core";
import { ScriptedModel, transfer } from "@troupe/testing";
import { builtinPatterns, loadTeam } from "../index.js";

const agents = {
  triage: { description: "Sorts requests", instructions: "Route." },
  billing: { description: "Charges", instructions: "Bill." },
  refunds: { description: "Refunds", instructions: "Refund." },
};
const problemsOf = (spec: Record<string, unknown>) =>
  checkSpec({ name: "desk", agents, ...spec }, { patterns: builtinPatterns }).problems;
const pathsOf = (spec: Record<string, unknown>) => problemsOf(spec).map((p) => p.path);

describe("handoff and swarm spec checks", () => {
  it("accepts a handoff spec where every agent is reachable from the entry", () => {
    expect(
      problemsOf({
        pattern: "handoff",
        entry: "triage",
        handoffs: { triage: ["billing"], billing: ["refunds", "triage"] },
      }),
    ).toEqual([]);
  });

  it("names the path of an unknown entry, an unknown agent in handoffs, a self-transfer and a duplicate", () => {
    expect(problemsOf({ pattern: "handoff", entry: "triag", handoffs: { triage: ["billing", "refunds"] } })).toEqual([
      { path: "entry", message: expect.stringMatching(/unknown agent "triag".*did you mean "triage"/) },
    ]);
    expect(
      pathsOf({
        pattern: "handoff",
        entry: "triage",
        handoffs: { triage: ["billing", "refund", "triage", "billing"], biling: ["refunds"] },
      }),
    ).toEqual(["handoffs.triage[1]", "handoffs.triage[2]", "handoffs.triage[3]", "handoffs.biling"]);
  });

  it("reports agents no chain of handoffs reaches", () => {
    expect(
      problemsOf({ pattern: "handoff", entry: "triage", handoffs: { triage: ["billing"], refunds: ["billing"] } }),
    ).toEqual([
      { path: "agents.refunds", message: expect.stringContaining('no chain of handoffs from the entry "triage"') },
    ]);
    expect(pathsOf({ pattern: "swarm", entry: "triage", handoffs: { triage: ["billing"] } })).toEqual([
      "agents.refunds",
    ]);
  });

  it("rejects a transfer target whose transfer_to_<name> tool name would be over 64 characters", () => {
    const long = `r${"x".repeat(52)}`;
    const spec = {
      name: "desk",
      pattern: "swarm",
      entry: "triage",
      agents: { triage: agents.triage, [long]: agents.refunds },
    };
    expect(checkSpec(spec, { patterns: builtinPatterns }).problems).toEqual([
      { path: `agents.${long}`, message: expect.stringContaining("64-character tool name limit") },
    ]);
    expect(
      checkSpec(
        { ...spec, agents: { triage: agents.triage, [long.slice(1)]: agents.refunds } },
        { patterns: builtinPatterns },
      ).problems,
    ).toEqual([]);
  });

  it("requires handoffs for handoff but not for swarm (all-to-all)", () => {
    expect(pathsOf({ pattern: "handoff", entry: "triage" })).toEqual(["handoffs"]);
    expect(problemsOf({ pattern: "swarm", entry: "triage" })).toEqual([]);
    expect(pathsOf({ pattern: "swarm" })).toEqual(["entry"]);
  });

  it("loads and runs a YAML handoff team", async () => {
    const yaml = `
name: desk
pattern: handoff
entry: triage
handoffs:
  triage: [billing]
agents:
  triage: { description: Sorts requests, instructions: Route the user. }
  billing: { description: Charges, instructions: Handle billing. }
`;
    const model = new ScriptedModel({
      triage: [transfer("billing", "Explain the charge")],
      billing: ["It was a duplicate; refunded."],
    });
    const team = await loadTeam({ raw: parseSpecText(yaml).value, baseDir: "." }, { model, store: memoryStore() });
    const result = await team.run("Why two charges?", { threadId: "y1" });
    expect(result.output).toBe("It was a duplicate; refunded.");
    expect(result.steps.map((s) => s.agent)).toEqual(["triage", "billing"]);
  });
});
