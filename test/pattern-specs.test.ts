import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { main, type CliIO } from "../packages/cli/src/index.js";

const DIR = resolve(import.meta.dirname, "../examples/patterns");

function io(cwd: string): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env: {}, cwd };
}

// Each built-in pattern as a YAML spec with no imports, run offline through the CLI.
const cases: Array<[string, string, string[], string]> = [
  ["supervisor", "What should we know before a launch?", ["lead", "analyst", "lead", "writer", "lead"], "lead -.-> analyst"],
  ["hierarchical", "Brief me on our market", ["ceo", "research_lead", "finder", "research_lead", "checker", "research_lead", "ceo", "summary", "ceo"], "ceo -.-> research"],
  ["handoff", "What does the pro plan cost? I need pricing", ["reception", "sales"], "reception -.-> sales"],
  ["swarm", "Plan a trip with flights to Lisbon", ["generalist", "travel"], "generalist -.-> travel"],
  ["network", "Should we open an office in Lisbon?", ["optimist", "skeptic", "judge", "optimist"], "optimist"],
  ["custom", "remote work", ["drafter", "reviewer", "reviewer", "editor"], "draft"],
];

describe("every pattern runs from YAML, offline, and draws its graph", () => {
  const cwd = mkdtempSync(join(tmpdir(), "patterns-"));
  it.each(cases)("%s", async (pattern, input, agents, edge) => {
    const spec = join(DIR, `${pattern}.yaml`);
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
