import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { defineStep, isStep, readStepUpdate } from "./define-step.js";
import { isTroupeError } from "../errors.js";
import { importSpecModules } from "../runtime/load-team.js";

const dir = mkdtempSync(join(tmpdir(), "troupe-steps-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("defineStep", () => {
  it("makes a step that runs on a read view of the state", async () => {
    const tally = defineStep({
      name: "tally",
      description: "Counts approvals",
      run: (state) => {
        const yes = Object.values(state.outputs).filter((o) => String(o).includes("APPROVE")).length;
        return { output: `${yes} approve`, scratch: { verdict: yes >= 2 ? "ship" : "revise" } };
      },
    });
    expect(isStep(tally)).toBe(true);
    expect(isStep({ name: "tally", run: () => undefined })).toBe(false);
    const state = { outputs: { r1: "APPROVE", r2: "APPROVE, nits", r3: "REJECT" } } as never;
    const ctx = { runId: "r", threadId: "t", node: "count", signal: new AbortController().signal };
    expect(await tally.run(state, ctx)).toEqual({ output: "2 approve", scratch: { verdict: "ship" } });
  });

  it("rejects a name a spec could not refer to", () => {
    const error = (() => {
      try {
        defineStep({ name: "tally votes", run: () => undefined });
      } catch (e) {
        return e;
      }
    })();
    expect(isTroupeError(error, "SPEC_INVALID")).toBe(true);
    expect((error as Error).message).toContain('step name "tally votes"');
  });
});

describe("readStepUpdate", () => {
  it("keeps output (even a null one) and scratch, and accepts nothing", () => {
    expect(readStepUpdate("s", { output: null })).toEqual({ output: null });
    expect(readStepUpdate("s", { scratch: { a: 1 } })).toEqual({ scratch: { a: 1 } });
    expect(readStepUpdate("s", undefined)).toEqual({});
  });

  it.each([
    ["a string", "done", "returned string"],
    ["a list", [1], "returned a list"],
    ["a key a step may not set", { output: 1, status: "completed" }, 'unknown key "status"'],
    ["a scratch that is not a mapping", { scratch: [1] }, "scratch that is not a mapping"],
  ])("fails with TOOL_FAILED for %s", (_, value, fragment) => {
    let error: unknown;
    try {
      readStepUpdate("tally", value);
    } catch (e) {
      error = e;
    }
    expect(isTroupeError(error, "TOOL_FAILED")).toBe(true);
    expect((error as Error).message).toContain("step tally");
    expect((error as Error).message).toContain(fragment);
  });
});

describe("importSpecModules", () => {
  it("collects the steps a listed module exports, beside its tools", async () => {
    const source = fileURLToPath(new URL("./define-step.ts", import.meta.url));
    writeFileSync(
      join(dir, "steps.mjs"),
      `import { defineStep } from ${JSON.stringify(source)};\n` +
        `export const tally = defineStep({ name: "tally", run: () => ({ output: 1 }) });\n` +
        `export const notAStep = { name: "nope" };\n`,
    );
    const { steps, tools, agents, problems } = await importSpecModules({ imports: ["./steps.mjs"] }, dir);
    expect(problems).toEqual([]);
    expect(steps.map((s) => s.name)).toEqual(["tally"]);
    expect(tools).toEqual([]);
    expect(agents).toEqual([]);
  });
});
