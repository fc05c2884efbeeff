import { describe, expect, it } from "vitest";
import { compose, TroupeError, type CallInfo, type TroupeEvent } from "@troupe/core";
import { metricsInterceptor } from "./metrics-interceptor.js";
import { observeRunEvents } from "./run-event-metrics.js";
import { serveMetrics } from "./serve-metrics.js";
import { TroupeMetrics } from "./troupe-metrics.js";

async function value(metrics: TroupeMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name.replace(/_(sum|count)$/, ""));
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    .filter((v) => ((v as { metricName?: string }).metricName ?? name) === name)
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}

const call = (over: Partial<CallInfo>): CallInfo => ({
  kind: "tool",
  name: "search",
  attempt: 0,
  emit: () => {},
  ...over,
});

describe("metricsInterceptor", () => {
  it("counts each attempt by outcome and code, retries, and a model call's tokens and cost", async () => {
    const metrics = new TroupeMetrics({ processMetrics: false });
    const pipeline = compose([metricsInterceptor(metrics)]);
    await pipeline(call({}), async () => "ok");
    await pipeline(call({ attempt: 1 }), async () => "ok");
    await expect(
      pipeline(call({}), async () => {
        throw new TroupeError("TOOL_FAILED", "boom");
      }),
    ).rejects.toThrow("boom");
    await pipeline(call({ kind: "model", name: "claude-x" }), async () => ({
      usage: { inputTokens: 120, outputTokens: 30, costUsd: 0.0015 },
    }));

    expect(await value(metrics, "troupe_calls_total", { kind: "tool", name: "search", outcome: "ok" })).toBe(2);
    expect(await value(metrics, "troupe_calls_total", { kind: "tool", outcome: "error", code: "TOOL_FAILED" })).toBe(1);
    expect(await value(metrics, "troupe_retries_total", { kind: "tool", name: "search" })).toBe(1);
    expect(await value(metrics, "troupe_model_tokens_total", { model: "claude-x", direction: "input" })).toBe(120);
    expect(await value(metrics, "troupe_model_tokens_total", { model: "claude-x", direction: "output" })).toBe(30);
    expect(await value(metrics, "troupe_model_cost_usd_total", { model: "claude-x" })).toBeCloseTo(0.0015);
    expect(await value(metrics, "troupe_call_duration_seconds_count", { kind: "tool", name: "search" })).toBe(3);
    // a breaker called through is known (closed), so the "open share" alert has a denominator
    expect(await value(metrics, "troupe_breaker_state", { scope: "tool", name: "search" })).toBe(0);
  });
});

describe("observeRunEvents", () => {
  const base = (type: string, at: number, extra: object = {}) =>
    ({ type, runId: "r1", threadId: "t1", at: new Date(at).toISOString(), ...extra }) as unknown as TroupeEvent;
  const usage = { inputTokens: 10, outputTokens: 4, costUsd: 0.01, modelCalls: 1 };

  it("counts runs by team and status, times them, and keeps no thread or run id in a label", async () => {
    const metrics = new TroupeMetrics({ processMetrics: false });
    const observe = observeRunEvents(metrics);
    const t0 = Date.parse("2026-01-01T00:00:00Z");
    observe(base("run.started", t0, { input: "x", mode: "live" }), "shop");
    expect(await value(metrics, "troupe_active_runs", { team: "shop" })).toBe(1);
    observe(base("agent.started", t0 + 200, { agent: "desk", task: "x", turn: 1 }), "shop");
    observe(
      base("agent.completed", t0 + 900, { agent: "desk", output: "y", usage, directive: {}, replayed: false }),
      "shop",
    );
    observe(base("breaker.opened", t0 + 950, { scope: "agent", name: "desk" }), "shop");
    observe(base("dlq.added", t0 + 960, { id: "d1", kind: "agent", error: {} }), "shop");
    observe(base("approval.requested", t0 + 970, { approvalId: "a1" }), "shop");
    observe(base("run.failed", t0 + 2000, { error: {} }), "shop");

    expect(await value(metrics, "troupe_runs_started_total", { team: "shop" })).toBe(1);
    expect(await value(metrics, "troupe_runs_ended_total", { team: "shop", status: "failed" })).toBe(1);
    expect(await value(metrics, "troupe_active_runs", { team: "shop" })).toBe(0);
    expect(await value(metrics, "troupe_run_duration_seconds_sum", { team: "shop" })).toBeCloseTo(2);
    expect(await value(metrics, "troupe_coordination_seconds_sum", { team: "shop" })).toBeCloseTo(0.2);
    expect(await value(metrics, "troupe_agent_tokens_total", { agent: "desk", direction: "input" })).toBe(10);
    expect(await value(metrics, "troupe_agent_cost_usd_total", { agent: "desk" })).toBeCloseTo(0.01);
    expect(await value(metrics, "troupe_breaker_state", { scope: "agent", name: "desk" })).toBe(2);
    expect(await value(metrics, "troupe_dead_letters_total", { team: "shop", kind: "agent" })).toBe(1);
    expect(await value(metrics, "troupe_approvals_total", { team: "shop", outcome: "requested" })).toBe(1);
    const text = await metrics.exposition();
    expect(text).not.toMatch(/"r1"|"t1"/);
  });
});

describe("serveMetrics", () => {
  it("serves the exposition on GET /metrics of a free loopback port, a 404 elsewhere, and a scrape-time gauge from its source", async () => {
    const metrics = new TroupeMetrics();
    metrics.readFrom({ runQueueLag: async () => 7, deadRuns: async () => Promise.reject(new Error("nats down")) });
    const server = await serveMetrics(metrics.registry, { port: 0 });
    try {
      expect(server.host).toBe("127.0.0.1");
      expect(server.port).toBeGreaterThan(0);
      const res = await fetch(server.url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/plain");
      expect(await res.text()).toMatch(/^troupe_run_queue_lag 7$/m);
      // the failed read is counted (in the next scrape: all metrics are collected at once)
      const text = await (await fetch(server.url)).text();
      expect(text).toMatch(/^troupe_metrics_source_errors_total\{source="deadRuns"\} 1$/m);
      expect(text).toMatch(/^troupe_process_cpu_user_seconds_total /m);
      // no source for pending approvals here: the gauge is not exported at all (not a misleading 0)
      expect(text).not.toMatch(/troupe_approvals_pending/);
      expect((await fetch(server.url.replace("/metrics", "/other"))).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("says which port is taken and what to do", async () => {
    const metrics = new TroupeMetrics({ processMetrics: false });
    const first = await serveMetrics(metrics.registry, { port: 0 });
    try {
      await expect(serveMetrics(metrics.registry, { port: first.port })).rejects.toThrow(/EADDRINUSE.*--metrics-port/);
    } finally {
      await first.close();
    }
  });
});
