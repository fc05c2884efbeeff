import { execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import type { TroupeEvent } from "@troupe/core";
import { BIN, childEnv, ROOT, spawnTroupe } from "./troupe-cli.js";

// The stored event log end to end, through the built binary: a five-node custom pipeline (agent,
// agent, tool, step, step) whose check step fails because the draft node's output is not JSON.

const exec = promisify(execFile);
const SPEC = join(ROOT, "test/fixtures/failing-pipeline/team.yaml");
const dir = mkdtempSync(join(tmpdir(), "event-log-cli-"));
const STORE = join(dir, "store.sqlite");
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
});

async function troupe(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args, "--store", STORE], {
      cwd: ROOT,
      env: childEnv({}),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const lines = (text: string) => text.split("\n").filter(Boolean);

describe("troupe run --events jsonl, troupe events and troupe trace on a failing pipeline", () => {
  let printed: TroupeEvent[] = [];

  it("run --events jsonl prints every event as a JSON line; --json steps name every node, the error names the failing one", async () => {
    const run = await troupe("run", SPEC, "--input", "sagas", "--thread", "ev1", "--events", "jsonl", "--json");
    expect(run.code, run.stderr).toBe(1);
    const out = lines(run.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    const result = out.pop() as {
      status: string;
      steps: Array<{ kind: string; node: string }>;
      error: { code: string; message: string; details: Record<string, unknown> };
    };
    printed = out as unknown as TroupeEvent[];
    expect(printed[0]).toMatchObject({ type: "run.started", threadId: "ev1" });
    expect(printed.at(-1)).toMatchObject({ type: "run.failed", error: { details: { node: "check" } } });
    // the node that produced the bad output, and the node that failed, each named in the events
    expect(printed).toContainEqual(
      expect.objectContaining({ type: "agent.completed", node: "draft", agent: "writer" }),
    );
    expect(printed).toContainEqual(
      expect.objectContaining({
        type: "tool.called",
        node: "check",
        error: expect.objectContaining({ code: "TOOL_FAILED" }),
      }),
    );
    expect(result.status).toBe("failed");
    expect(result.steps.map((s) => [s.kind, s.node])).toEqual([
      ["agent", "plan"],
      ["agent", "draft"],
      ["tool", "count"],
      ["step", "check"],
    ]);
    expect(result.steps[2]).toMatchObject({ tool: "count_words", output: { words: expect.any(Number) } });
    expect(result.error).toMatchObject({ code: "TOOL_FAILED", details: { node: "check", step: "check_json" } });
    expect(result.error.message).toContain("the output of node draft is not JSON");
  });

  it("troupe events --json prints the stored log: every event once, in the order the run emitted it, with seq", async () => {
    const events = await troupe("events", "ev1", "--json");
    expect(events.code, events.stderr).toBe(0);
    const stored = lines(events.stdout).map((l) => JSON.parse(l) as TroupeEvent & { seq: number });
    expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
    expect(stored.map(({ seq: _, ...event }) => event)).toEqual(printed);

    const human = await troupe("events", "ev1");
    expect(human.stdout).toMatch(/^\s+1 {2}\S+ {2}▶ thread ev1$/m);
    expect(human.stdout).toContain("⚙ check → step check_json() ✗");
  });

  it("troupe trace draws the latest run: one line per node, the failing node marked ✗, the total last", async () => {
    const trace = await troupe("trace", "ev1");
    expect(trace.code, trace.stderr).toBe(0);
    const out = lines(trace.stdout);
    expect(out[0]).toMatch(/^run \S+ of thread ev1/);
    expect(out.slice(1, -1).map((l) => l.split(/\s+/).slice(0, 2).join(" "))).toEqual([
      "✓ plan",
      "✓ draft",
      "✓ count",
      "✗ check",
    ]);
    expect(out.find((l) => l.startsWith("✓ draft"))).toMatch(
      /agent writer \(turn 2\).*1 model call · \d+ tok · \$0\.0000/,
    );
    expect(out.find((l) => l.startsWith("✗ check"))).toMatch(/step check_json .*TOOL_FAILED/);
    expect(out.at(-1)).toMatch(
      /^total \d+ms · 2 model calls · \d+ tokens · \$0\.0000 · failed \[TOOL_FAILED\] at node check/,
    );
  });

  it("troupe events --follow tails a run until it settles; with nothing to tail Ctrl-C exits 130", async () => {
    const follow = spawnTroupe(["events", "ev2", "--follow", "--json", "--store", STORE], {}, children);
    await follow.waitFor(/following thread ev2/);
    const run = await troupe("run", SPEC, "--input", "sagas", "--thread", "ev2");
    expect(run.code).toBe(1);
    expect(await follow.exited).toBe(0);
    const followed = lines(follow.out()).map((l) => JSON.parse(l) as { type: string; seq: number });
    expect(followed[0]).toMatchObject({ type: "run.started", seq: 1 });
    expect(followed.at(-1)).toMatchObject({ type: "run.failed" });

    const idle = spawnTroupe(["events", "nothing-yet", "--follow", "--store", STORE], {}, children);
    await idle.waitFor(/following thread nothing-yet/);
    idle.child.kill("SIGINT");
    expect(await idle.exited).toBe(130);
  });

  it("refuses an unknown --events format and an events command without a thread", async () => {
    expect((await troupe("run", SPEC, "--input", "x", "--events", "yaml")).stderr).toContain("--events takes jsonl");
    expect((await troupe("events")).code).toBe(2);
  });
});
