import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main, type CliIO } from "../packages/cli/src/index.js";
import { PATTERN_SPECS_DIR, patternCases } from "./pattern-cases.js";

function io(cwd: string): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env: {}, cwd };
}

describe("every pattern runs from YAML, offline, and draws its graph", () => {
  const cwd = mkdtempSync(join(tmpdir(), "patterns-"));
  it.each(patternCases)("%s", async (pattern, input, agents, edge) => {
    const spec = join(PATTERN_SPECS_DIR, `${pattern}.yaml`);
    const validate = io(cwd);
    expect(await main(["validate", spec], validate)).toBe(0);

    const run = io(cwd);
    expect(await main(["run", spec, "--input", input, "--json", "--thread", `yaml-${pattern}`], run)).toBe(0);
    const result = JSON.parse(run.stdout.at(-1)!);
    expect(result.status).toBe("completed");
    expect(result.steps.map((s: { agent: string }) => s.agent)).toEqual(agents);

    const graph = io(cwd);
    expect(await main(["graph", spec], graph)).toBe(0);
    expect(graph.stdout.join("\n")).toContain(edge);

    const replay = io(cwd);
    expect(await main(["replay", `yaml-${pattern}`, "--json"], replay)).toBe(0);
    expect(JSON.parse(replay.stdout.at(-1)!).output).toEqual(result.output);
  });
});
