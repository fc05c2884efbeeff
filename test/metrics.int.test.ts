// /metrics of a worker and an orchestrator after runs over a real nats-server: the exposition is
// parsed and its counters checked against the runs made; promtool checks the exposition and the
// shipped alerting rules; a real Prometheus scrapes the worker; `troupe worker --metrics-port 0`
// (the built binary) serves /metrics too. Needs Debian's prometheus package (promtool included).
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryStore, readSpecFile, type TroupeEvent } from "@troupe/core";
import { metricsInterceptor, observeRunEvents, serveMetrics, TroupeMetrics, type MetricsServer } from "@troupe/metrics";
import { loadAgentModule, NatsBus, Orchestrator, RunQueue, submitRun, Worker, type RunRequest } from "@troupe/nats";
import { loadTeam } from "@troupe/patterns";
import { startNatsServer, type RunningNatsServer } from "@troupe/testing";
import { parseExposition, sampleSum, samplesOf, type Sample } from "./prom-exposition.js";
import { prometheusBinary, promtool, startPrometheus } from "./prometheus-server.js";
import { ROOT, runCli, spawnTroupe } from "./troupe-cli.js";

const SPEC = join(ROOT, "examples/order-saga/team.yaml");
const EXAMPLES = join(ROOT, "examples");
const AGENTS = join(ROOT, "test/nats-worker-agents.mjs");
const RULES = join(ROOT, "ops/prometheus/troupe-alerts.yml");
const NS = "metrics";

let nats: RunningNatsServer;
let dir: string;
const cleanups: Array<() => Promise<unknown>> = [];
const children = new Set<ChildProcess>();
const savedLedger = process.env.ORDER_LEDGER;

beforeAll(async () => {
  // fail, never skip, when Prometheus is missing: the message carries the apt command
  prometheusBinary("promtool");
  prometheusBinary("prometheus");
  nats = await startNatsServer();
  dir = mkdtempSync(join(tmpdir(), "troupe-metrics-"));
  process.env.ORDER_LEDGER = join(dir, "ledger.jsonl");
});
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await nats?.stop();
  if (savedLedger === undefined) delete process.env.ORDER_LEDGER;
  else process.env.ORDER_LEDGER = savedLedger;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function scrape(url: string): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, samples: parseExposition(text) };
}

const teamOf = (request: RunRequest) =>
  "team" in request ? request.team.name : String((request.spec as { name?: unknown }).name);

describe("metrics of a worker and an orchestrator over NATS", () => {
  let workerMetrics: MetricsServer;
  let orchestratorMetrics: MetricsServer;
  const events: TroupeEvent[] = [];

  beforeAll(async () => {
    const store = memoryStore();
    const wm = new TroupeMetrics();
    workerMetrics = await serveMetrics(wm.registry, { port: 0 });
    cleanups.push(() => workerMetrics.close());
    const workerBus = await NatsBus.connect({ servers: nats.url, namespace: NS, durableEvents: true });
    const worker = await Worker.start({
      bus: workerBus,
      agents: await loadAgentModule(AGENTS),
      store,
      env: {},
      interceptors: [metricsInterceptor(wm)],
    });
    cleanups.push(async () => {
      await worker.drain();
      await workerBus.close();
    });

    // two runs queued before any orchestrator takes them: the lag is 2
    const bus = await NatsBus.connect({ servers: nats.url, namespace: NS, durableEvents: true });
    cleanups.push(() => bus.close());
    const queue = await RunQueue.open(bus.connection, { namespace: NS });
    await queue.ensureConsumer();
    const om = new TroupeMetrics();
    om.readFrom({ runQueueLag: () => queue.lag(), deadRuns: () => queue.deadCount() });
    orchestratorMetrics = await serveMetrics(om.registry, { port: 0 });
    cleanups.push(() => orchestratorMetrics.close());
    const { raw, baseDir } = readSpecFile(SPEC);
    for (const [threadId, input] of [
      ["m-berlin", "Order 3 lamps to Berlin"],
      ["m-atlantis", "Order 3 lamps to Atlantis"],
    ] as const)
      await submitRun(bus, { spec: raw as Record<string, unknown>, baseDir, input, threadId });
    const queued = await scrape(orchestratorMetrics.url);
    expect(sampleSum(queued.samples, "troupe_run_queue_lag")).toBe(2);

    const observe = observeRunEvents(om);
    const settled = new Set<string>();
    const orchestrator = await Orchestrator.start({
      bus,
      store,
      loadTeam,
      allowImports: [EXAMPLES],
      serveAgents: false,
      env: {},
      interceptors: [metricsInterceptor(om)],
      onEvent: (event, request) => {
        events.push(event);
        observe(event, teamOf(request));
        if (event.type === "run.completed" || event.type === "run.failed") settled.add(event.threadId);
      },
    });
    cleanups.push(() => orchestrator.stop());
    const until = Date.now() + 60_000;
    while (settled.size < 2 && Date.now() < until) await sleep(50);
    expect([...settled].sort()).toEqual(["m-atlantis", "m-berlin"]);
  });

  it("the orchestrator counts the runs by team and status, their agent and compensation calls, and the queue lag", async () => {
    const { samples } = await scrape(orchestratorMetrics.url);
    const team = { team: "order-saga" };
    expect(sampleSum(samples, "troupe_runs_started_total", team)).toBe(2);
    expect(sampleSum(samples, "troupe_runs_ended_total", { ...team, status: "completed" })).toBe(1);
    expect(sampleSum(samples, "troupe_runs_ended_total", { ...team, status: "failed" })).toBe(1);
    expect(sampleSum(samples, "troupe_run_duration_seconds_count", team)).toBe(2);
    expect(sampleSum(samples, "troupe_active_runs", team)).toBe(0);
    expect(sampleSum(samples, "troupe_run_queue_lag")).toBe(0);
    expect(sampleSum(samples, "troupe_run_dlq_messages")).toBe(0);

    // every agent call that completed is one ok agent call; shipping to Atlantis fails once
    const completed = events.filter((e) => e.type === "agent.completed" && !e.replayed);
    expect(sampleSum(samples, "troupe_calls_total", { kind: "agent", outcome: "ok" })).toBe(completed.length);
    expect(sampleSum(samples, "troupe_calls_total", { kind: "agent", name: "shipping", outcome: "error" })).toBe(1);
    expect(
      sampleSum(samples, "troupe_calls_total", {
        kind: "agent",
        name: "shipping",
        outcome: "error",
        code: "TOOL_FAILED",
      }),
    ).toBe(1);
    // the failed run's saga refunds and releases
    expect(sampleSum(samples, "troupe_calls_total", { kind: "compensation", outcome: "ok" })).toBe(2);
    expect(sampleSum(samples, "troupe_call_duration_seconds_count", { kind: "agent" })).toBe(completed.length + 1);
    // each agent start after the run began or another agent finished is one coordination gap
    expect(sampleSum(samples, "troupe_coordination_seconds_count", team)).toBe(
      events.filter((e) => e.type === "agent.started").length,
    );
    const tokensIn = completed.reduce((n, e) => n + (e.type === "agent.completed" ? e.usage.inputTokens : 0), 0);
    expect(sampleSum(samples, "troupe_agent_tokens_total", { ...team, direction: "input" })).toBe(tokensIn);
    expect(
      samplesOf(samples, "troupe_breaker_state", { scope: "agent" })
        .map((s) => s.labels.name)
        .sort(),
    ).toEqual(["inventory", "order_desk", "payments", "shipping"]);
    // bounded labels: no run or thread id anywhere
    for (const s of samples) expect(Object.values(s.labels).join(" ")).not.toMatch(/m-berlin|m-atlantis|[0-9a-f]{8}-/);
  });

  it("the worker counts the tool and model calls its agents made, with their tokens", async () => {
    const { samples } = await scrape(workerMetrics.url);
    const ok = (name: string) => sampleSum(samples, "troupe_calls_total", { kind: "tool", name, outcome: "ok" });
    expect(ok("reserve_inventory")).toBe(2);
    expect(ok("charge_payment")).toBe(2);
    expect(ok("ship_order")).toBe(1);
    expect(sampleSum(samples, "troupe_calls_total", { kind: "tool", name: "ship_order", code: "TOOL_FAILED" })).toBe(1);
    // every model call the agents reported (agent.completed usage) was made on the worker
    const usage = events.flatMap((e) => (e.type === "agent.completed" && !e.replayed ? [e.usage] : []));
    const modelCalls = usage.reduce((n, u) => n + u.modelCalls, 0);
    expect(modelCalls).toBeGreaterThan(0);
    expect(sampleSum(samples, "troupe_calls_total", { kind: "model", outcome: "ok" })).toBeGreaterThanOrEqual(
      modelCalls,
    );
    expect(sampleSum(samples, "troupe_model_tokens_total", { direction: "output" })).toBeGreaterThanOrEqual(
      usage.reduce((n, u) => n + u.outputTokens, 0),
    );
    expect(sampleSum(samples, "troupe_runs_started_total")).toBe(0);
    expect(samplesOf(samples, "troupe_run_queue_lag")).toEqual([]);
  });

  it("promtool accepts both expositions and the shipped alerting rules", async () => {
    for (const url of [workerMetrics.url, orchestratorMetrics.url]) {
      const { text } = await scrape(url);
      const checked = promtool(["check", "metrics"], text);
      expect(checked.output).toBe("");
      expect(checked.code).toBe(0);
    }
    const rules = promtool(["check", "rules", RULES]);
    expect(rules.output).toMatch(/SUCCESS: 4 rules found/);
    expect(rules.code).toBe(0);
  });

  it("a real Prometheus scrapes the worker: the target is up and troupe_* series are queryable", async () => {
    const target = `${workerMetrics.host}:${workerMetrics.port}`;
    const prometheus = await startPrometheus([target]);
    cleanups.push(() => prometheus.stop());
    type Targets = { activeTargets: Array<{ scrapeUrl: string; health: string; lastError: string }> };
    type Vector = { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    const until = Date.now() + 30_000;
    let health = "";
    let series: Vector["result"] = [];
    while (Date.now() < until) {
      const targets = await prometheus.api<Targets>("targets");
      health = targets.activeTargets.find((t) => t.scrapeUrl === workerMetrics.url)?.health ?? "";
      if (health === "up") {
        series = (await prometheus.api<Vector>(`query?query=${encodeURIComponent('troupe_calls_total{kind="tool"}')}`))
          .result;
        if (series.length) break;
      }
      await sleep(250);
    }
    expect(health).toBe("up");
    expect(series.map((s) => s.metric.name)).toContain("ship_order");
    expect(series.every((s) => s.metric.job === "troupe" && s.metric.instance === target)).toBe(true);
  });
});

describe("troupe worker / troupe orchestrator --metrics-port", () => {
  it("serve /metrics on the printed loopback ports (the built binary) and count a submitted run", async () => {
    const store = join(dir, "cli.sqlite");
    const on = ["--nats", nats.url, "--namespace", "metrics-cli", "--metrics-port", "0"];
    const env = { ORDER_LEDGER: join(dir, "cli-ledger.jsonl") };
    const worker = spawnTroupe(["worker", "--agents", AGENTS, "--store", store, ...on], env, children);
    await worker.waitFor(/serves inventory, order_desk, payments, shipping/);
    const orchestrator = spawnTroupe(
      ["orchestrator", "--store", store, "--remote-agents", "--allow-imports", EXAMPLES, ...on],
      env,
      children,
    );
    await orchestrator.waitFor(/takes runs from TROUPE_METRICS-CLI_RUNS/);
    const urlOf = (child: { err(): string }, what: string) => {
      const url = new RegExp(`${what} metrics on (http://127\\.0\\.0\\.1:\\d+/metrics)`).exec(child.err())?.[1];
      expect(url, child.err()).toBeDefined();
      return url!;
    };
    const workerUrl = urlOf(worker, "worker");
    const orchestratorUrl = urlOf(orchestrator, "orchestrator");

    const net = ["--nats", nats.url, "--namespace", "metrics-cli"];
    const submitted = await runCli(["submit", SPEC, "--input", "Order 2 lamps to Berlin", "--thread", "cli-1", ...net]);
    expect(submitted.code, submitted.err.join("\n")).toBe(0);
    const watched = await runCli(["watch", "cli-1", ...net]);
    expect(watched.code, watched.err.join("\n")).toBe(0);

    const fromOrchestrator = await scrape(orchestratorUrl);
    const team = { team: "order-saga" };
    expect(sampleSum(fromOrchestrator.samples, "troupe_runs_started_total", team)).toBe(1);
    expect(sampleSum(fromOrchestrator.samples, "troupe_runs_ended_total", { ...team, status: "completed" })).toBe(1);
    expect(sampleSum(fromOrchestrator.samples, "troupe_calls_total", { kind: "agent", name: "shipping" })).toBe(1);
    expect(sampleSum(fromOrchestrator.samples, "troupe_run_queue_lag")).toBe(0);
    expect(sampleSum(fromOrchestrator.samples, "troupe_approvals_pending")).toBe(0);
    const fromWorker = await scrape(workerUrl);
    expect(
      sampleSum(fromWorker.samples, "troupe_calls_total", { kind: "tool", name: "ship_order", outcome: "ok" }),
    ).toBe(1);
    expect(samplesOf(fromWorker.samples, "troupe_process_start_time_seconds")).toHaveLength(1);
    for (const { text } of [fromOrchestrator, fromWorker]) expect(promtool(["check", "metrics"], text).code).toBe(0);

    orchestrator.child.kill("SIGTERM");
    worker.child.kill("SIGTERM");
    expect(await orchestrator.exited).toBe(0);
    expect(await worker.exited).toBe(0);
  });

  it("refuses a bad port as a usage error", async () => {
    const store = join(dir, "never.sqlite");
    const result = await runCli(["worker", "--agents", AGENTS, "--store", store, "--metrics-port", "http"]);
    expect(result.code).toBe(2);
    expect(result.err.join("\n")).toMatch(/--metrics-port must be a port number from 0 to 65535/);
    const hostOnly = await runCli(["orchestrator", "--store", store, "--metrics-host", "0.0.0.0"]);
    expect(hostOnly.code).toBe(2);
    expect(hostOnly.err.join("\n")).toMatch(/--metrics-host needs --metrics-port/);
    // refused before anything was opened
    expect(existsSync(store)).toBe(false);
  });
});
