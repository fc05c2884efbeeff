import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger, memoryStore, TroupeError, type ModelRequest, type Team } from "@troupe/core";
import { loadTeam } from "@troupe/patterns";
import { delegate, finish, ScriptedModel } from "@troupe/testing";
import { spawnTroupe } from "./troupe-cli.js";

type Line = Record<string, unknown> & { level: number; msg: string };

/** A pino logger at debug whose JSON lines land in `lines`. */
function capturing(traceIdOf?: () => string | undefined) {
  const lines: Line[] = [];
  const logger = createLogger({
    level: "debug",
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Line) },
    ...(traceIdOf ? { traceIdOf } : {}),
  });
  return { lines, logger };
}

const WARN = 40;
const INFO = 30;
const DEBUG = 20;

async function supervisorTeam(logger: ReturnType<typeof createLogger>): Promise<Team> {
  const model = new ScriptedModel({
    lead: [
      delegate("worker", "count the lamps"),
      (request: ModelRequest) => {
        const results = request.messages.flatMap((m) => m.content).filter((b) => b.type === "tool_result");
        return finish(`team says: ${results.at(-1)?.content ?? "(nothing)"}`);
      },
    ],
    worker: [new TroupeError("MODEL_SERVER_ERROR", "upstream answered 500"), "12 lamps"],
  });
  const raw = {
    name: "logged",
    pattern: "supervisor",
    supervisor: "lead",
    agents: {
      lead: { description: "Leads the team", instructions: "Delegate, then finish." },
      worker: { description: "Does the work", instructions: "Do the task." },
    },
    resilience: { retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 } },
  };
  return loadTeam({ raw, baseDir: process.cwd() }, { store: memoryStore(), model, logger });
}

describe("logs", () => {
  it("a run's lines carry runId, threadId and agent; a failed-then-retried agent call is logged at warn", async () => {
    const { lines, logger } = capturing();
    const team = await supervisorTeam(logger);
    try {
      const result = await team.run("How many lamps?", { threadId: "logs-1" });
      expect(result.output).toBe("team says: 12 lamps");
    } finally {
      await team.close();
    }
    const started = lines.find((l) => l.msg === "run started");
    expect(started).toMatchObject({ level: INFO, threadId: "logs-1", team: "logged" });
    const runId = started!.runId;
    expect(typeof runId).toBe("string");
    // every line of this run (the team's and the hosts') names the run and the thread
    const ofRun = lines.filter((l) => l.runId !== undefined);
    expect(ofRun.length).toBeGreaterThan(5);
    for (const line of ofRun) expect(line).toMatchObject({ runId, threadId: "logs-1" });

    const retry = lines.find((l) => l.event === "retry");
    expect(retry).toMatchObject({
      level: WARN,
      runId,
      threadId: "logs-1",
      agent: "worker",
      scope: "agent",
      attempt: 1,
      error: { code: "MODEL_SERVER_ERROR" },
    });
    // the host that served the worker logged the failed request, then the one it served
    const failed = lines.find((l) => l.msg === "agent request failed: MODEL_SERVER_ERROR");
    expect(failed).toMatchObject({ level: WARN, agent: "worker", runId, threadId: "logs-1" });
    const served = lines.filter((l) => l.msg === "agent request served").map((l) => [l.level, l.agent]);
    expect(served).toEqual([
      [DEBUG, "lead"],
      [DEBUG, "worker"],
      [DEBUG, "lead"],
    ]);
    const completed = lines.findIndex((l) => l.msg === "run completed");
    expect(lines[completed]).toMatchObject({ level: INFO, runId });
    expect(completed).toBeGreaterThan(lines.indexOf(retry!));
  });

  it("puts the active trace id on every line when traceIdOf finds one", async () => {
    const { lines, logger } = capturing(() => "4bf92f3577b34da6a3ce929d0e0e4736");
    logger.child({ runId: "r" }).info("hello");
    logger.info("no span");
    expect(lines.map((l) => l.traceId)).toEqual([
      "4bf92f3577b34da6a3ce929d0e0e4736",
      "4bf92f3577b34da6a3ce929d0e0e4736",
    ]);
    const none = capturing(() => undefined);
    none.logger.info("outside a span");
    expect(none.lines[0]).not.toHaveProperty("traceId");
  });
});

describe("troupe run logs", () => {
  const children = new Set<ChildProcess>();
  const dir = mkdtempSync(join(tmpdir(), "troupe-logs-"));
  afterAll(() => {
    for (const child of children) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });
  const run = async (name: string, extra: string[], env: Record<string, string> = {}) => {
    const args = ["run", "examples/research-team/team.yaml", "--input", "Brief me on saga compensation"];
    const child = spawnTroupe([...args, "--store", join(dir, `${name}.sqlite`), ...extra], env, children);
    const code = await child.exited;
    return { code, out: child.out(), err: child.err() };
  };
  const jsonLines = (text: string) =>
    text
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Line);

  it("--log-level debug --log-format json writes JSON lines to stderr; stdout keeps the normal output", async () => {
    const plain = await run("plain", []);
    const logged = await run("logged", ["--log-level", "debug", "--log-format", "json"]);
    expect(plain.code).toBe(0);
    expect(logged.code).toBe(0);
    expect(logged.out).toBe(plain.out);
    expect(logged.out).toContain("saga");
    expect(jsonLines(logged.out)).toEqual([]);
    const lines = jsonLines(logged.err);
    expect(lines.find((l) => l.msg === "run started")).toMatchObject({ level: INFO, team: "research-team" });
    expect(lines.some((l) => l.level === DEBUG && l.msg === "agent request served" && l.agent === "researcher")).toBe(
      true,
    );
    // the human progress lines are still there
    expect(logged.err).toContain("● researcher");
    // a plain run logs nothing at its default level (warn) when nothing goes wrong
    expect(jsonLines(plain.err)).toEqual([]);
  });

  it("TROUPE_LOG_LEVEL=silent logs nothing", async () => {
    const silent = await run("silent", ["--log-format", "json"], { TROUPE_LOG_LEVEL: "silent" });
    expect(silent.code).toBe(0);
    expect(jsonLines(silent.err)).toEqual([]);
    expect(silent.err).toContain("● researcher");
  });

  it("refuses a log level it does not know, as a usage error", async () => {
    const bad = await run("bad", ["--log-level", "loud"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--log-level "loud" is not a log level');
  });
});
