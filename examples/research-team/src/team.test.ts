import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { memoryStore } from "@troupe/core";
import { loadTeam } from "@troupe/patterns";
import { ScriptedModel, callTool, delegate, finish } from "@troupe/testing";

const SPEC = fileURLToPath(new URL("../team.yaml", import.meta.url));

describe("examples/research-team", () => {
  it("runs offline: the lead routes to the researcher (who searches the notes) and the writer, then answers", async () => {
    const notices: string[] = [];
    const team = await loadTeam(SPEC, { store: memoryStore(), env: {}, onNotice: (m) => notices.push(m) });
    const result = await team.run("Brief me on saga compensation");
    expect(notices).toHaveLength(1);
    expect(result.status).toBe("completed");
    expect(result.steps.map((s) => s.agent)).toEqual(["lead", "researcher", "lead", "writer", "lead"]);
    expect(result.output).toContain("compensat");
    expect(result.output).toContain("saga-compensation.md");
    expect(result.usage.modelCalls).toBe(6);
  });

  it("runs with a scripted model in place of Claude, the same wiring", async () => {
    const model = new ScriptedModel({
      lead: [
        delegate("researcher", "find facts on circuit breakers"),
        delegate("writer", "brief from the facts"),
        finish("Breakers fail fast."),
      ],
      researcher: [
        callTool("search_notes", { query: "circuit breaker half-open" }),
        "Breakers open on failures (circuit-breakers.md)",
      ],
      writer: ["Breakers fail fast (circuit-breakers.md)"],
    });
    const team = await loadTeam(SPEC, { store: memoryStore(), model });
    const result = await team.run("What is a circuit breaker?");
    expect(result.output).toBe("Breakers fail fast.");
    const toolResult = model.callsBy("researcher")[1]!.messages.at(-1)!.content[0]!;
    expect(toolResult).toMatchObject({ type: "tool_result" });
    expect(JSON.stringify(toolResult)).toContain("circuit-breakers.md");
    model.assertAllUsed();
  });
});
