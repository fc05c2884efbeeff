import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { sqliteStore } from "@troupe/store-sqlite";
import { ScriptedModel, delegate, finish } from "@troupe/testing";
import { researchScript, scriptedTeam } from "./research-fixture.js";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "packages/cli/dist/bin.js");
const SPEC = join(ROOT, "examples/research-team/team.yaml");

const script = researchScript;

describe("replay", () => {
  it("re-runs from the first and from a middle checkpoint with the same output and zero model or tool calls", async () => {
    const model = script();
    const { team, lookups } = scriptedTeam(model);
    const original = await team.run("Brief me on sagas", { threadId: "r1" });
    const calls = model.calls.length;
    const toolRuns = lookups();
    expect(calls).toBe(6);

    const history = await team.history("r1");
    const first = history[0]!;
    expect(first.source).toBe("input");
    const fromFirst = await team.replay("r1", { from: first.checkpointId });
    expect(fromFirst.output).toBe(original.output);
    expect(fromFirst.steps.map((s) => s.agent)).toEqual(original.steps.map((s) => s.agent));

    const middle = history.find((c) => c.agent === "researcher")!;
    const fromMiddle = await team.replay("r1", { from: middle.checkpointId });
    expect(fromMiddle.output).toBe(original.output);
    expect(fromMiddle.steps).toEqual(original.steps);

    expect(model.calls.length).toBe(calls);
    expect(lookups()).toBe(toolRuns);
  });

  it("replay with live: true calls the model again", async () => {
    const model = new ScriptedModel({
      lead: [delegate("writer", "draft"), finish("v1"), delegate("writer", "draft"), finish("v2")],
      writer: ["draft 1", "draft 2"],
    });
    const { team } = scriptedTeam(model);
    await team.run("write", { threadId: "r2" });
    const live = await team.replay("r2", { live: true });
    expect(live.output).toBe("v2");
    expect(model.calls.length).toBe(6);
  });

  it("a second run on the same thread continues the conversation", async () => {
    const model = new ScriptedModel({
      lead: [finish("first answer"), (req) => finish(`seen ${req.messages.length} messages`)],
    });
    const { team } = scriptedTeam(model);
    await team.run("one", { threadId: "r3" });
    const second = await team.run("two", { threadId: "r3" });
    // user "one", assistant finish call, user [tool_result + "two"]
    expect(second.output).toBe("seen 3 messages");
  });

  it("a SQLite checkpoint file written by one process replays in another, without any model", async () => {
    const dir = mkdtempSync(join(tmpdir(), "troupe-replay-"));
    const store = join(dir, "checkpoints.sqlite");
    const first = await run(
      "node",
      [BIN, "run", SPEC, "--input", "Brief me on saga compensation", "--thread", "p1", "--store", store, "--json"],
      { cwd: dir },
    );
    const original = JSON.parse(first.stdout.trim().split("\n").at(-1)!);
    expect(original.status).toBe("completed");

    // With a key set and the API unreachable, any model call would fail the replay.
    const env = { ...process.env, ANTHROPIC_API_KEY: "sk-test", ANTHROPIC_BASE_URL: "http://127.0.0.1:9" };
    const history = await run("node", [BIN, "history", "p1", "--store", store, "--json"], { cwd: dir, env });
    const checkpoints = JSON.parse(history.stdout.trim()) as { checkpointId: string }[];
    for (const from of [checkpoints[0]!.checkpointId, checkpoints[3]!.checkpointId]) {
      const replay = await run("node", [BIN, "replay", "p1", "--from", from, "--store", store, "--json"], {
        cwd: dir,
        env,
      });
      const replayed = JSON.parse(replay.stdout.trim().split("\n").at(-1)!);
      expect(replayed.output).toBe(original.output);
      expect(replayed.status).toBe("completed");
    }
  });

  it("reopens a SQLite store in-process and replays", async () => {
    const dir = mkdtempSync(join(tmpdir(), "troupe-replay-"));
    const file = join(dir, "c.sqlite");
    const model = script();
    const a = scriptedTeam(model, sqliteStore(file));
    const original = await a.team.run("Brief me on sagas", { threadId: "s1" });
    await a.team.close();
    const b = scriptedTeam(new ScriptedModel({}), sqliteStore(file));
    const replayed = await b.team.replay("s1");
    expect(replayed.output).toBe(original.output);
    await b.team.close();
  });
});

describe("replay with fork", () => {
  it("replays into a new thread from a middle checkpoint; the original thread is untouched", async () => {
    const model = script();
    const { team } = scriptedTeam(model);
    const original = await team.run("Brief me on sagas", { threadId: "f1" });
    const before = await team.history("f1", { all: true });
    const middle = before.find((c) => c.agent === "researcher")!;
    const forked = await team.replay("f1", { from: middle.checkpointId, fork: "f1-copy" });
    expect(forked.threadId).toBe("f1-copy");
    expect(forked.output).toBe(original.output);
    expect(model.calls.length).toBe(6);
    expect(await team.history("f1", { all: true })).toEqual(before);
    const copy = await team.history("f1-copy");
    expect(copy.slice(0, 4).map((c) => c.checkpointId)).toEqual(before.slice(0, 4).map((c) => c.checkpointId));
  });

  it("a live fork calls the model again on the copy and leaves the original answer in place", async () => {
    const model = new ScriptedModel({
      lead: [delegate("writer", "draft"), finish("v1"), finish("v2 from the fork")],
      writer: ["draft 1"],
    });
    const { team } = scriptedTeam(model);
    await team.run("write", { threadId: "f2" });
    const history = await team.history("f2");
    const afterWriter = history.find((c) => c.agent === "writer")!;
    const forked = await team.replay("f2", { from: afterWriter.checkpointId, fork: true, live: true });
    expect(forked.threadId).toMatch(/^f2-fork-/);
    expect(forked.output).toBe("v2 from the fork");
    expect((await team.result("f2"))?.output).toBe("v1");
  });
});
