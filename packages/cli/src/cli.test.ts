import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIO } from "./cli-io.js";
import { main } from "./cli.js";

const SPEC = resolve(import.meta.dirname, "../../../examples/research-team/team.yaml");

function capture(cwd: string): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env: {}, cwd };
}

describe("troupe CLI", () => {
  const dir = mkdtempSync(join(tmpdir(), "troupe-cli-"));

  it("runs a team with live progress and a --json last line, then lists history and replays it", async () => {
    const io = capture(dir);
    const code = await main(
      ["run", SPEC, "--input", "Brief me on saga compensation", "--thread", "cli-1", "--json"],
      io,
    );
    expect(code).toBe(0);
    const result = JSON.parse(io.stdout.at(-1)!);
    expect(result).toMatchObject({ threadId: "cli-1", status: "completed" });
    expect(result.steps.map((s: { agent: string }) => s.agent)).toEqual([
      "lead",
      "researcher",
      "lead",
      "writer",
      "lead",
    ]);
    expect(result.output).toContain("saga-compensation.md");
    expect(io.stderr.some((l) => l.includes("researcher → search_notes"))).toBe(true);
    expect(io.stderr.some((l) => l.includes("offline demo model"))).toBe(true);

    const history = capture(dir);
    expect(await main(["history", "cli-1", "--json"], history)).toBe(0);
    const checkpoints = JSON.parse(history.stdout.at(-1)!) as { checkpointId: string; agent: string | null }[];
    expect(checkpoints.length).toBe(7);

    const replay = capture(dir);
    expect(await main(["replay", "cli-1", "--from", checkpoints[3]!.checkpointId, "--json"], replay)).toBe(0);
    const replayed = JSON.parse(replay.stdout.at(-1)!);
    expect(replayed.output).toBe(result.output);
    expect(replayed.steps.map((s: { agent: string }) => s.agent)).toEqual(
      result.steps.map((s: { agent: string }) => s.agent),
    );
    expect(replay.stderr.join("\n")).toContain("(recorded)");
  });

  it("validates a spec: exit 0 when valid, exit 1 with one path-named line per problem", async () => {
    const ok = capture(dir);
    expect(await main(["validate", SPEC], ok)).toBe(0);
    expect(ok.stdout.join("\n")).toContain('team "research-team"');

    const bad = join(dir, "bad.yaml");
    writeFileSync(
      bad,
      "name: t\npattern: supervisor\nsupervisor: boss\nagents:\n  lead: { description: d, instructions: i, tools: [serch_notes] }\n  w: { description: d, instructions: i }\n",
    );
    const io = capture(dir);
    expect(await main(["validate", bad], io)).toBe(1);
    const text = io.stderr.join("\n");
    expect(text).toContain('supervisor: unknown agent "boss"');
    expect(text).not.toMatch(/at .*\.js:\d+/);
  });

  it("prints the compiled graph as Mermaid", async () => {
    const io = capture(dir);
    expect(await main(["graph", SPEC], io)).toBe(0);
    const text = io.stdout.join("\n");
    expect(text).toContain("graph TD");
    expect(text).toContain("lead -.-> researcher");
  });

  it.each([
    [["run", join(dir, "missing.yaml"), "--input", "x"], /spec file not found/],
    [["run", SPEC], /needs --input/],
    [["run", SPEC, "--input", "x", "--bogus"], /Unknown option '--bogus'/],
    [["history", "no-such-thread"], /unknown thread "no-such-thread"/],
    [["replay", "cli-none"], /unknown thread/],
    [["frobnicate"], /unknown command "frobnicate"/],
    [["history"], /needs a thread id/],
    [["graph", SPEC, "--json"], /does not take --json/],
    [
      ["worker", "--agents", "agents.js", "--nats", "nats://127.0.0.1:1"],
      /troupe worker needs --store <url>: pass the store the orchestrators/,
    ],
  ])("bad input %j exits non-zero with one clear line", async (argv, pattern) => {
    const io = capture(dir);
    const code = await main(argv as string[], io);
    expect(code).toBeGreaterThan(0);
    expect(io.stderr.length).toBe(1);
    expect(io.stderr[0]).toMatch(pattern);
  });

  it("replay from an unknown checkpoint says how to list them", async () => {
    const run = capture(dir);
    await main(["run", SPEC, "--input", "Tell me about circuit breakers", "--thread", "cli-2"], run);
    const io = capture(dir);
    expect(await main(["replay", "cli-2", "--from", "nope"], io)).toBe(1);
    expect(io.stderr.join("\n")).toContain("troupe history cli-2");
  });
});
