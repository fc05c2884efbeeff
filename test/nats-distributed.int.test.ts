import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  defineAgent,
  invokeAgent,
  isTroupeError,
  readSpecFile,
  type ModelClient,
  type TroupeEvent,
} from "@troupe/core";
// internal: not part of the public entry
import { readRunStatus } from "../packages/core/src/runtime/run-lifecycle.js";
import { postgresStore, type PostgresStore } from "@troupe/store-postgres";
import {
  AgentRegistry,
  NatsBus,
  Orchestrator,
  RunQueue,
  Worker,
  submitRun,
  type OrchestratorOptions,
} from "@troupe/nats";
import { loadTeam } from "@troupe/patterns";
import {
  freePort,
  startNatsCluster,
  startNatsServer,
  startPostgres,
  type RunningNatsServer,
  type RunningPostgres,
} from "@troupe/testing";
import { ROOT, runCli, spawnTroupe } from "./troupe-cli.js";

const SPEC = join(ROOT, "examples/order-saga/team.yaml");
// the only directory whose modules submitted specs may import (orchestrators allow none by default)
const EXAMPLES = join(ROOT, "examples");
const AGENTS = join(ROOT, "test/nats-worker-agents.mjs");

let nats: RunningNatsServer;
let pg: RunningPostgres;
let store: PostgresStore;
const children = new Set<ChildProcess>();
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  [nats, pg] = await Promise.all([startNatsServer(), startPostgres()]);
  store = postgresStore(pg.url);
});
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await store?.close();
  await Promise.all([nats?.stop(), pg?.stop()]);
});

const troupe = (args: string[], env: Record<string, string>) => spawnTroupe(args, env, children);
const cli = runCli;

function tempFile(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), "troupe-dist-"));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return join(dir, name);
}

function ledger(file: string): Array<{ action: string; key: string }> {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { action: string; key: string });
}

async function orchestrator(
  options: Omit<OrchestratorOptions, "loadTeam" | "bus">,
  servers: string | string[],
  namespace: string,
  replicas?: number,
) {
  const bus = await NatsBus.connect({
    servers,
    namespace,
    durableEvents: true,
    reconnectTimeWaitMs: 100,
    ...(replicas ? { eventLog: { replicas } } : {}),
  });
  const o = await Orchestrator.start({
    bus,
    loadTeam,
    allowImports: [EXAMPLES],
    env: {},
    ...(replicas ? { replicas } : {}),
    ...options,
  });
  const stop = async () => {
    await o.stop();
    await bus.close();
  };
  cleanups.push(stop);
  return { orchestrator: o, bus, stop };
}

const spec = () => {
  const { raw, baseDir } = readSpecFile(SPEC);
  return { spec: raw as Record<string, unknown>, baseDir };
};
const typesOf = (events: TroupeEvent[]) => events.map((e) => e.type);

describe("distributed runs on NATS + PostgreSQL", () => {
  it("(a) a second orchestrator finishes a run from the PostgreSQL checkpoint after the first is SIGKILLed mid-charge", async () => {
    const file = tempFile("ledger.jsonl");
    const args = [
      "orchestrator",
      "--nats",
      nats.url,
      "--store",
      pg.url,
      "--namespace",
      "failover",
      "--ack-wait",
      "2000",
      "--allow-imports",
      EXAMPLES,
    ];
    const first = troupe(args, { ORDER_LEDGER: file, ORDER_SLOW_CHARGE_MS: "60000" });
    await first.waitFor(/takes runs from TROUPE_FAILOVER_RUNS/);
    const submitted = await cli([
      "submit",
      SPEC,
      "--input",
      "Order 3 lamps to Berlin",
      "--thread",
      "failover-1",
      "--nats",
      nats.url,
      "--namespace",
      "failover",
    ]);
    expect(submitted.code).toBe(0);
    expect(submitted.out).toEqual(["failover-1"]);

    // the payments desk is charging (the tool sleeps 60 s): kill the process that runs it
    await first.waitFor(/● payments \(turn 4\)/);
    await new Promise((r) => setTimeout(r, 300));
    expect(ledger(file).map((e) => e.action)).toEqual(["reserve"]);
    first.child.kill("SIGKILL");
    await first.exited;
    expect((await readRunStatus(store.docs, "failover-1"))?.state).toBe("running");

    const second = troupe(args, { ORDER_LEDGER: file });
    const watched = await cli(["watch", "failover-1", "--nats", nats.url, "--namespace", "failover", "--json"]);
    expect(watched.code).toBe(0);
    const events = watched.out.map((l) => JSON.parse(l) as TroupeEvent);
    const runIds = [...new Set(events.map((e) => e.runId))];
    expect(runIds).toHaveLength(2);
    const [dead, resumed] = runIds.map((id) => events.filter((e) => e.runId === id));
    expect(dead![0]).toMatchObject({ type: "run.started", input: "Order 3 lamps to Berlin" });
    expect(typesOf(dead!).some((t) => t.startsWith("run.") && t !== "run.started")).toBe(false);
    expect(typesOf(resumed!).slice(0, 2)).toEqual(["run.started", "run.resumed"]);
    expect(resumed!.at(-1)).toMatchObject({ type: "run.completed" });
    // the resumed run starts at the payments desk: inventory is not asked again
    expect(resumed!.filter((e) => e.type === "agent.started").map((e) => (e as { agent: string }).agent)).toEqual([
      "payments",
      "order_desk",
      "shipping",
      "order_desk",
    ]);

    const effects = ledger(file);
    expect(effects.map((e) => e.action)).toEqual(["reserve", "charge", "ship"]);
    expect(new Set(effects.map((e) => e.key)).size).toBe(3);
    // the lifecycle doc is written just after the events that announce it
    await expect
      .poll(async () => (await readRunStatus(store.docs, "failover-1"))?.state, { timeout: 5000 })
      .toBe("completed");
    // any machine can inspect the thread in the shared store
    const status = await cli(["status", "failover-1", "--store", pg.url, "--json"]);
    expect(JSON.parse(status.out[0]!)).toMatchObject({ threadId: "failover-1", state: "completed" });
    await second.waitFor(/thread failover-1: taking request .* \(delivery 2\)/);
    await second.waitFor(/thread failover-1: completed/);
    const queue = await RunQueue.open(
      (
        await NatsBus.connect({ servers: nats.url, namespace: "failover" }).then(
          (b) => (cleanups.push(() => b.close()), b),
        )
      ).connection,
      { namespace: "failover" },
    );
    await expect.poll(() => queue.depth()).toBe(0);

    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });

  it("(b) a run that keeps failing lands in the DLQ after max deliveries; troupe dlq redrive completes it", async () => {
    const file = tempFile("ledger.jsonl");
    process.env.ORDER_LEDGER = file;
    const down = postgresStore(`postgres://postgres@127.0.0.1:${await freePort()}/troupe`);
    cleanups.push(() => down.close());
    const broken = await orchestrator(
      { store: down, maxDeliver: 3, backoffMs: [100], ackWaitMs: 5000 },
      nats.url,
      "dlq",
    );
    const client = await NatsBus.connect({ servers: nats.url, namespace: "dlq" });
    cleanups.push(() => client.close());
    const request = await submitRun(client, { ...spec(), input: "Order 1 desk to Paris", threadId: "dlq-1" });
    const queue = await RunQueue.open(client.connection, { namespace: "dlq" });
    await expect.poll(async () => (await queue.deadRuns()).length, { timeout: 15_000 }).toBe(1);
    await broken.stop();
    const [dead] = await queue.deadRuns();
    expect(dead).toMatchObject({
      deliveries: 3,
      request: { requestId: request.requestId, threadId: "dlq-1", input: "Order 1 desk to Paris" },
    });
    expect(dead!.reason).toMatch(/ECONNREFUSED|connect/);
    expect(await queue.depth()).toBe(0);
    expect(ledger(file)).toEqual([]);

    const listed = await cli(["dlq", "list", "--nats", nats.url, "--namespace", "dlq"]);
    expect(listed.out.join("\n")).toMatch(new RegExp(`#${dead!.seq}\\s+dlq-1`));
    await orchestrator({ store, ackWaitMs: 5000 }, nats.url, "dlq");
    const redriven = await cli(["dlq", "redrive", String(dead!.seq), "--nats", nats.url, "--namespace", "dlq"]);
    expect(redriven.code).toBe(0);
    const watched = await cli(["watch", "dlq-1", "--nats", nats.url, "--namespace", "dlq", "--json"]);
    expect(JSON.parse(watched.out.at(-1)!)).toMatchObject({ type: "run.completed" });
    expect(ledger(file).map((e) => e.action)).toEqual(["reserve", "charge", "ship"]);
    expect(await queue.deadRuns()).toEqual([]);
    await expect.poll(() => queue.depth()).toBe(0);
    delete process.env.ORDER_LEDGER;
  });

  it("(b') a request whose orchestrators crashed max-deliver times is dead-lettered on the next delivery, without running", async () => {
    const client = await NatsBus.connect({ servers: nats.url, namespace: "crashy" });
    cleanups.push(() => client.close());
    const queue = await RunQueue.open(client.connection, { namespace: "crashy" });
    await queue.ensureConsumer({ ackWaitMs: 500, maxDeliver: 2 });
    await queue.submit({ ...spec(), input: "Order 1 lamp to Rome", threadId: "crashy-1" });
    // two orchestrators take it and die without acking
    for (const delivery of [1, 2]) {
      const msg = await queue.next(3000);
      expect(msg?.info.deliveryCount).toBe(delivery);
    }
    await orchestrator({ store, ackWaitMs: 500, maxDeliver: 2 }, nats.url, "crashy");
    await expect.poll(async () => (await queue.deadRuns()).length, { timeout: 10_000 }).toBe(1);
    const [dead] = await queue.deadRuns();
    expect(dead).toMatchObject({ deliveries: 3, code: "INTERNAL" });
    expect(dead!.reason).toMatch(/delivered 2 times without being acked/);
    expect(await readRunStatus(store.docs, "crashy-1")).toBeUndefined();
  });

  it("(e) a stopping orchestrator pauses a run that outlives its drain timeout and hands it to another, which resumes it", async () => {
    const file = tempFile("ledger.jsonl");
    process.env.ORDER_LEDGER = file;
    process.env.ORDER_SLOW_CHARGE_MS = "1000";
    const logs: string[] = [];
    const first = await orchestrator(
      {
        store,
        ackWaitMs: 5000,
        drainTimeoutMs: 200,
        id: "first",
        onLog: (l) => logs.push(l),
        onEvent: (e) => logs.push(`event ${e.type} ${"agent" in e ? e.agent : ""}`),
      },
      nats.url,
      "handoff",
    );
    const client = await NatsBus.connect({ servers: nats.url, namespace: "handoff" });
    cleanups.push(() => client.close());
    await submitRun(client, { ...spec(), input: "Order 4 lamps to Madrid", threadId: "handoff-1" });
    await expect
      .poll(() => logs.includes("event agent.started payments"), { timeout: 10_000, interval: 20 })
      .toBe(true);
    await first.stop();
    expect(logs).toContain("[first] thread handoff-1: paused and handed to another orchestrator");
    expect((await readRunStatus(store.docs, "handoff-1"))?.state).toBe("paused");
    expect(ledger(file).map((e) => e.action)).toEqual(["reserve", "charge"]);

    await orchestrator({ store, ackWaitMs: 5000, id: "second", onLog: (l) => logs.push(l) }, nats.url, "handoff");
    await expect
      .poll(() => logs.includes("[second] thread handoff-1: completed"), { timeout: 15_000, interval: 50 })
      .toBe(true);
    expect(ledger(file).map((e) => e.action)).toEqual(["reserve", "charge", "ship"]);
    expect((await client.eventLog().then((log) => log.runsOf("handoff-1"))).map((a) => a.by)).toEqual([
      "first",
      "second",
    ]);
    delete process.env.ORDER_LEDGER;
    delete process.env.ORDER_SLOW_CHARGE_MS;
  });

  // a JetStream leader election after a node loss can take tens of seconds on 2 loaded cores
  it(
    "(c) on a 3-node cluster, a run survives the loss of its orchestrator's node and its event log loses nothing",
    { timeout: 150_000 },
    async () => {
      const cluster = await startNatsCluster({ nodes: 3 });
      cleanups.push(() => cluster.stop());
      const file = tempFile("ledger.jsonl");
      process.env.ORDER_LEDGER = file;
      process.env.ORDER_SLOW_CHARGE_MS = "1500";
      const seen: TroupeEvent[] = [];
      const logs: string[] = [];
      const { bus } = await orchestrator(
        { store, ackWaitMs: 5000, onEvent: (e) => seen.push(e), onLog: (l) => logs.push(l) },
        cluster.urls,
        "ha",
        3,
      );
      const client = await NatsBus.connect({ servers: cluster.urls, namespace: "ha", reconnectTimeWaitMs: 100 });
      cleanups.push(() => client.close());
      await submitRun(client, { ...spec(), input: "Order 5 lamps to Lisbon", threadId: "ha-1" });

      await expect
        .poll(() => seen.some((e) => e.type === "agent.started" && e.agent === "payments"), {
          timeout: 15_000,
          interval: 20,
        })
        .toBe(true);
      const port = bus.connection.getServer().split(":").at(-1);
      const victim = cluster.nodes.find((n) => n.url.endsWith(`:${port}`))!;
      await victim.kill("SIGKILL");

      await expect
        .poll(() => logs.some((l) => l.includes("thread ha-1: completed")), { timeout: 30_000, interval: 100 })
        .toBe(true);
      expect(bus.connection.getServer()).not.toContain(`:${victim.port}`);
      expect(ledger(file).map((e) => e.action)).toEqual(["reserve", "charge", "ship"]);
      const runId = seen[0]!.runId;
      const log = await client.eventLog();
      // right after a node loss the R3 stream may still be settling its leader: read once it answers
      await expect
        .poll(() => log.runsOf("ha-1").catch(() => []), { timeout: 45_000, interval: 500 })
        .toEqual([expect.objectContaining({ runId })]);
      let stored: TroupeEvent[] = [];
      await expect
        .poll(async () => (stored = await log.read(runId).catch(() => [])).at(-1)?.type, {
          timeout: 45_000,
          interval: 500,
        })
        .toBe("run.completed");
      expect(stored[0]?.type).toBe("run.started");
      expect(stored.at(-1)?.type).toBe("run.completed");
      // everything the orchestrator saw is stored, once. The order of an agent host's events (they
      // reach the log when emitted, and the orchestrator's stream through a subscription) against the
      // orchestrator's own may differ between the two across a failover; the run's own order holds
      const keys = stored.map((e) => JSON.stringify(e));
      expect(new Set(keys).size).toBe(keys.length);
      for (const event of seen.filter((e) => e.runId === runId))
        expect(keys, `${event.type} missing from the log`).toContain(JSON.stringify(event));
      const fromHost = new Set([
        "tool.called",
        "retry",
        "model.delta",
        "breaker.opened",
        "breaker.half_open",
        "breaker.closed",
        "fallback",
      ]);
      const own = seen.filter((e) => e.runId === runId && !fromHost.has(e.type)).map((e) => JSON.stringify(e));
      expect(keys.filter((k) => own.includes(k))).toEqual(own);
      const turns = stored.filter((e) => e.type === "agent.started").map((e) => (e as { turn: number }).turn);
      expect(turns).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(stored.filter((e) => e.type === "agent.completed")).toHaveLength(7);
      expect(stored.filter((e) => e.type === "tool.called").map((e) => (e as { tool: string }).tool)).toEqual([
        "reserve_inventory",
        "charge_payment",
        "ship_order",
      ]);
      delete process.env.ORDER_LEDGER;
      delete process.env.ORDER_SLOW_CHARGE_MS;
    },
  );

  it("(d) troupe run --nats calls agents that a troupe worker process hosts; SIGTERM drains and deregisters it", async () => {
    const workerLedger = tempFile("worker.jsonl");
    const localLedger = tempFile("local.jsonl");
    const runStore = tempFile("cli.sqlite");
    const worker = troupe(
      ["worker", "--agents", AGENTS, "--nats", nats.url, "--namespace", "workers", "--store", runStore],
      { ORDER_LEDGER: workerLedger },
    );
    await worker.waitFor(/serves inventory, order_desk, payments, shipping in namespace "workers"/);
    const registered = await cli(["agents", "--nats", nats.url, "--namespace", "workers", "--json"]);
    const entries = JSON.parse(registered.out[0]!) as Array<{ name: string; workerId: string }>;
    expect(entries.map((e) => e.name)).toEqual(["inventory", "order_desk", "payments", "shipping"]);
    expect(new Set(entries.map((e) => e.workerId)).size).toBe(1);

    // were any tool to run in this process, reserve would fail here
    const run = troupe(
      [
        "run",
        SPEC,
        "--input",
        "Order 2 chairs to Oslo",
        "--thread",
        "w-1",
        "--nats",
        nats.url,
        "--namespace",
        "workers",
        "--store",
        runStore,
        "--json",
      ],
      {
        ORDER_FAIL_AT: "reserve",
        ORDER_LEDGER: localLedger,
      },
    );
    expect(await run.exited, run.err()).toBe(0);
    expect(JSON.parse(run.out().trim().split("\n").at(-1)!)).toMatchObject({ threadId: "w-1", status: "completed" });
    expect(ledger(workerLedger).map((e) => e.action)).toEqual(["reserve", "charge", "ship"]);
    expect(ledger(localLedger)).toEqual([]);
    const watched = await cli(["watch", "w-1", "--nats", nats.url, "--namespace", "workers", "--json"]);
    const events = watched.out.map((l) => JSON.parse(l) as TroupeEvent);
    expect(events[0]?.type).toBe("run.started");
    expect(events.at(-1)?.type).toBe("run.completed");
    expect(events.filter((e) => e.type === "tool.called")).toHaveLength(3);

    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
    expect(worker.err()).toMatch(/SIGTERM: draining/);
    expect((await cli(["agents", "--nats", nats.url, "--namespace", "workers", "--json"])).out).toEqual(["[]"]);
  });

  it("(f) a draining worker finishes the request in flight, refuses new ones and leaves the registry", async () => {
    const slow: ModelClient = {
      id: "slow",
      async generate() {
        await new Promise((r) => setTimeout(r, 500));
        return {
          content: [{ type: "text", text: "done slowly" }],
          stopReason: "end_turn",
          usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 },
          model: "slow",
        };
      },
    };
    const bus = await NatsBus.connect({ servers: nats.url, namespace: "drain" });
    const client = await NatsBus.connect({ servers: nats.url, namespace: "drain" });
    cleanups.push(
      () => bus.close(),
      () => client.close(),
    );
    const worker = await Worker.start({
      bus,
      store,
      agents: [defineAgent({ name: "slowpoke", description: "Slow", instructions: "Take your time.", model: slow })],
    });
    const registry = await AgentRegistry.open(client.connection, { namespace: "drain" });
    expect((await registry.list()).map((e) => [e.name, e.workerId])).toEqual([["slowpoke", worker.workerId]]);
    const request = (id: string) => ({
      runId: id,
      threadId: id,
      agent: "slowpoke",
      task: "go",
      messages: [],
      idempotencyKey: id,
    });
    const inFlight = invokeAgent(client, request("r1"), { timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 100));
    const drained = worker.drain();
    const refused = await invokeAgent(client, request("r2"), { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(isTroupeError(refused, "AGENT_UNAVAILABLE")).toBe(true);
    expect((await inFlight).output).toBe("done slowly");
    await drained;
    expect(await registry.list()).toEqual([]);
  });
});
