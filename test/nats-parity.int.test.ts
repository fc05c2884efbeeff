import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunResult, type TroupeEvent } from "@troupe/core";
import { jsonOf } from "../packages/cli/src/commands/run-command.js";
// internal: not part of the public entry
import { pendingSaga } from "../packages/core/src/records/saga-journal.js";
import { postgresStore, type PostgresStore } from "@troupe/store-postgres";
import { loadTeam } from "@troupe/patterns";
import { startNatsServer, startPostgres, type RunningNatsServer, type RunningPostgres } from "@troupe/testing";
import { ROOT, runCli, spawnTroupe, type TroupeChild } from "./troupe-cli.js";

// Distributed parity: a spec run with `troupe submit` + `troupe orchestrator --remote-agents` +
// `troupe worker` (every agent hosted by the worker process) behaves as the same spec run in-process
// with `troupe run`: hierarchical sub-teams resolve, and the worker applies the team's resilience
// policy and journals saga steps in the shared PostgreSQL store.

const ORG = join(ROOT, "test/parity/org.yaml");
const CUSTOM = join(ROOT, "test/parity/custom.yaml");
const SAGA = join(ROOT, "test/parity/saga.yaml");
const AGENTS = join(ROOT, "test/parity/agents.mjs");
const NS = "parity";

let nats: RunningNatsServer;
let pg: RunningPostgres;
let store: PostgresStore;
let worker: TroupeChild;
let workerLedger: string;
const children = new Set<ChildProcess>();
const dirs: string[] = [];

function tempFile(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), "troupe-parity-"));
  dirs.push(dir);
  return join(dir, name);
}

beforeAll(async () => {
  [nats, pg] = await Promise.all([startNatsServer(), startPostgres()]);
  store = postgresStore(pg.url);
  workerLedger = tempFile("worker.jsonl");
  const bus = ["--nats", nats.url, "--namespace", NS];
  const orchestrator = spawnTroupe(
    ["orchestrator", ...bus, "--store", pg.url, "--remote-agents", "--allow-imports", join(ROOT, "test/parity")],
    {},
    children,
  );
  worker = spawnTroupe(
    ["worker", "--agents", AGENTS, ...bus, "--store", pg.url],
    { PARITY_LEDGER: workerLedger, PARITY_HOLD_FAILURES: "2", PARITY_CARRIER_MS: "20000" },
    children,
  );
  await Promise.all([
    orchestrator.waitFor(/takes runs from TROUPE_PARITY_RUNS/),
    worker.waitFor(/serves .*ceo.* in namespace "parity"/),
  ]);
});
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await store?.close();
  await Promise.all([nats?.stop(), pg?.stop()]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface LedgerEntry {
  action: string;
  key: string;
  pid: number;
}
function ledger(): LedgerEntry[] {
  if (!existsSync(workerLedger)) return [];
  return readFileSync(workerLedger, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LedgerEntry);
}

/** The result's steps as `troupe run --json` prints them (every node, with kind and node name). */
function printed(result: RunResult): unknown[] {
  return JSON.parse(JSON.stringify(jsonOf(result).steps)) as unknown[];
}

/** The thread's result as the shared store holds it. */
async function storedSteps(spec: string, threadId: string): Promise<unknown[]> {
  const reader = await loadTeam(spec, { store: postgresStore(pg.url), env: {}, serveAgents: false });
  try {
    const result = await reader.result(threadId);
    return result ? printed(result) : [];
  } finally {
    await reader.close();
  }
}

async function watch(threadId: string): Promise<TroupeEvent[]> {
  const watched = await runCli(["watch", threadId, "--nats", nats.url, "--namespace", NS, "--json"]);
  return watched.out.map((l) => JSON.parse(l) as TroupeEvent);
}

const agentsStarted = (events: TroupeEvent[]) => events.flatMap((e) => (e.type === "agent.started" ? [e.agent] : []));

describe("a spec runs the same in-process and distributed", () => {
  it.each([
    ["hierarchical, sub-team in its own file", ORG, "hier", "Brief me on our market"],
    ["custom, with a tool node", CUSTOM, "custom", "remote work"],
  ])("%s", async (_name, spec, id, input) => {
    const local = await runCli([
      "run",
      spec,
      "--input",
      input,
      "--thread",
      `local-${id}`,
      "--store",
      tempFile("local.sqlite"),
      "--json",
    ]);
    expect(local.code, local.err.join("\n")).toBe(0);
    const expected = JSON.parse(local.out.at(-1)!) as {
      status: string;
      output: unknown;
      steps: Array<{ kind: string; agent: string }>;
    };
    expect(expected.status).toBe("completed");

    // submit validates and resolves the spec as run does; the orchestrator loads it the same way
    const submitted = await runCli([
      "submit",
      spec,
      "--input",
      input,
      "--thread",
      `submitted-${id}`,
      "--nats",
      nats.url,
      "--namespace",
      NS,
    ]);
    expect(submitted.code, submitted.err.join("\n")).toBe(0);
    const events = await watch(`submitted-${id}`);
    expect(events.at(-1)).toMatchObject({ type: "run.completed", output: expected.output });
    // steps list every node (kind agent, tool, step); the agent turns are the agents that started
    expect(agentsStarted(events)).toEqual(expected.steps.filter((s) => s.kind === "agent").map((s) => s.agent));
    expect(await storedSteps(spec, `submitted-${id}`)).toEqual(expected.steps);

    // troupe run --nats: the run here, the agents in the worker
    const overNats = await runCli([
      "run",
      spec,
      "--input",
      input,
      "--thread",
      `nats-${id}`,
      "--nats",
      nats.url,
      "--namespace",
      NS,
      "--store",
      pg.url,
      "--json",
    ]);
    expect(overNats.code, overNats.err.join("\n")).toBe(0);
    expect(JSON.parse(overNats.out.at(-1)!)).toMatchObject({
      status: "completed",
      output: expected.output,
      steps: expected.steps,
    });
  });

  it("a worker retries a tool by the team's resilience.tools policy and journals its saga step in the shared store; cancel compensates it", async () => {
    const submitted = await runCli([
      "submit",
      SAGA,
      "--input",
      "Order 2 lamps",
      "--thread",
      "saga-1",
      "--nats",
      nats.url,
      "--namespace",
      NS,
    ]);
    expect(submitted.code, submitted.err.join("\n")).toBe(0);
    // hold_stock is not idempotent: only its own policy (maxRetries 2) lets the worker retry it
    await expect
      .poll(() => ledger().map((e) => e.action), { timeout: 20_000, interval: 50 })
      .toEqual(["attempt", "attempt", "attempt", "hold"]);
    expect(new Set(ledger().map((e) => e.pid))).toEqual(new Set([worker.child.pid]));
    // the stock agent is still booking a carrier, so its result (with the saga) has not come back:
    // the step is known only from the journal the worker wrote
    const journaled = await pendingSaga(store.docs, "saga-1", { saga: [], compensations: {}, userTurn: 1 });
    expect(journaled.map((s) => [s.agent, s.tool, s.output])).toEqual([
      ["stock", "hold_stock", { held: "Order 2 lamps" }],
    ]);

    const cancelled = await runCli(["cancel", "saga-1", "--store", pg.url]);
    expect(cancelled.code, cancelled.err.join("\n")).toBe(0);
    const events = await watch("saga-1");
    const retries = events.flatMap((e) => (e.type === "retry" ? [[e.scope, e.name, e.attempt, e.error.code]] : []));
    expect(retries).toEqual([
      ["tool", "hold_stock", 1, "TOOL_TRANSIENT"],
      ["tool", "hold_stock", 2, "TOOL_TRANSIENT"],
    ]);
    expect(events.filter((e) => e.type === "saga.compensated")).toEqual([
      expect.objectContaining({ agent: "stock", tool: "hold_stock", key: journaled[0]!.key }),
    ]);
    expect(events.at(-1)?.type).toBe("run.cancelled");
    expect(ledger().map((e) => e.action)).toEqual(["attempt", "attempt", "attempt", "hold", "release"]);
    expect(ledger().at(-1)).toMatchObject({ key: `${journaled[0]!.key}:compensate`, pid: worker.child.pid });
  });
});
