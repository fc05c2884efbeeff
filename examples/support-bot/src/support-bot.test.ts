import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { memoryStore } from "@troupe/core";
import { sqliteStore } from "@troupe/store-sqlite";
import { loadTeam } from "@troupe/patterns";
import { ScriptedModel, assertValidTranscript, callTool, transfer } from "@troupe/testing";

const SPEC = fileURLToPath(new URL("../team.yaml", import.meta.url));

describe("examples/support-bot", () => {
  it("offline: a multi-turn conversation continues with the last desk after a restart", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "support-")), "store.sqlite");
    const first = await loadTeam(SPEC, { store: sqliteStore(file), env: {} });
    const billing = await first.run("The invoice for order 1042 shows the wrong amount", { threadId: "ada" });
    expect(billing.steps.map((s) => [s.agent, s.directive])).toEqual([
      ["triage", "handoff"],
      ["billing", "finish"],
    ]);
    expect(billing.output).toContain("overcharged $9.00");
    await first.close();

    // a new process: same store, same thread
    const second = await loadTeam(SPEC, { store: sqliteStore(file), env: {} });
    const refund = await second.run("Then I want a refund for order 1042", { threadId: "ada" });
    expect(refund.steps.map((s) => s.agent)).toEqual(["billing", "refunds"]);
    expect(refund.output).toContain("eligible for a $98.5 refund");
    expect((await second.state("ada"))?.activeAgent).toBe("refunds");
    await second.close();
  });

  it("routes a technical problem to the technical desk, which answers from the help articles", async () => {
    const team = await loadTeam(SPEC, { store: memoryStore(), env: {} });
    const result = await team.run("Technical problem: my standing desk stops moving halfway");
    expect(result.steps.map((s) => s.agent)).toEqual(["triage", "technical"]);
    expect(result.output).toContain("reset the desk controller");
  });

  it("with a scripted model: a desk hands back to triage, a refused transfer is a tool error, every request is valid", async () => {
    const model = new ScriptedModel({
      triage: [
        transfer("technical", "lamp will not turn on", "technical problem"),
        transfer("billing", "check invoice of order 1043", "billing question"),
        "All sorted.",
      ],
      technical: [
        transfer("billing", "they asked about money", "billing"), // not allowed from technical: refused
        callTool("search_help", { problem: "lamp will not turn on" }),
        transfer("triage", "customer also has a billing question", "not technical"),
      ],
      billing: [callTool("lookup_order", { order: "1043" }), "Order 1043 was invoiced correctly: $420."],
    });
    const team = await loadTeam(SPEC, { store: memoryStore(), model });
    const result = await team.run("My lamp will not turn on, and is my invoice for order 1043 right?", {
      threadId: "g",
    });
    expect(result.steps.map((s) => s.agent)).toEqual(["triage", "technical", "triage", "billing"]);
    expect(result.output).toBe("Order 1043 was invoiced correctly: $420.");
    const refused = model.callsBy("technical")[1]!.messages.at(-1)!.content[0];
    expect(refused).toMatchObject({ type: "tool_result", isError: true });
    expect(JSON.stringify(refused)).toContain('transfer to \\"billing\\" is not allowed from technical');
    for (const call of model.calls) assertValidTranscript(call);
  });
});
