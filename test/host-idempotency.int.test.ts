import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invokeAgent, invokeCompensation, isTroupeError, type AgentRequest, type AgentResult } from "@troupe/core";
import { NatsBus } from "@troupe/nats";
import { startNatsServer, type RunningNatsServer } from "@troupe/testing";
import { ROOT, spawnTroupe, type TroupeChild } from "./troupe-cli.js";

const NS = "hostkeys";
const AGENTS = join(ROOT, "test/nats-worker-agents.mjs");
let nats: RunningNatsServer;
let bus: NatsBus;
let worker: TroupeChild;
const children = new Set<ChildProcess>();
const dir = mkdtempSync(join(tmpdir(), "troupe-host-keys-"));
const ledger = join(dir, "ledger.jsonl");

const actions = (): Array<{ action: string; key: string }> =>
  existsSync(ledger)
    ? readFileSync(ledger, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { action: string; key: string })
    : [];

beforeAll(async () => {
  nats = await startNatsServer();
  // the worker charges slowly (1.5 s), so duplicates overlap and a short deadline passes mid-charge
  worker = spawnTroupe(
    ["worker", "--agents", AGENTS, "--nats", nats.url, "--namespace", NS, "--store", join(dir, "store.sqlite")],
    { ORDER_LEDGER: ledger, ORDER_SLOW_CHARGE_MS: "1500" },
    children,
  );
  await worker.waitFor(/serves .*payments.* in namespace "hostkeys"/);
  bus = await NatsBus.connect({ servers: nats.url, namespace: NS });
});
afterAll(async () => {
  await bus?.close();
  for (const child of children) child.kill("SIGKILL");
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const charge = (key: string, extra: Partial<AgentRequest> = {}): AgentRequest => ({
  runId: "run-1",
  threadId: "host-t1",
  agent: "payments",
  task: `Charge order ${key}`,
  messages: [],
  idempotencyKey: `host-t1:1:2:payments:${key}`,
  userTurn: 1,
  ...extra,
});

describe("idempotency where side effects happen (the agent's host)", () => {
  it("the same request three times at once charges once; every caller gets the same answer", async () => {
    const results = await Promise.all([1, 2, 3].map(() => invokeAgent(bus, charge("dup"), { timeoutMs: 30_000 })));
    const charges = actions().filter((e) => e.action === "charge" && e.key.includes(":dup:"));
    expect(charges).toHaveLength(1);
    expect(new Set(results.map((r: AgentResult) => JSON.stringify(r.output))).size).toBe(1);
    expect(results.every((r) => r.saga.length === 1 && r.saga[0]!.key === charges[0]!.key)).toBe(true);
  });

  it("a forged compensation of a step never journaled is refused; the journaled one is undone once", async () => {
    const forged = await invokeCompensation(bus, {
      runId: "run-1",
      threadId: "host-t1",
      step: {
        key: "host-t1:1:2:payments:forged:toolu_x",
        agent: "payments",
        tool: "charge_payment",
        input: { order: "anything" },
        output: null,
      },
    }).catch((e: unknown) => e);
    expect(isTroupeError(forged, "COMPENSATION_REFUSED")).toBe(true);
    // another thread cannot undo this thread's step either
    const [done] = actions().filter((e) => e.action === "charge" && e.key.includes(":dup:"));
    const step = {
      key: done!.key,
      agent: "payments",
      tool: "charge_payment",
      input: { order: "Charge order dup" },
      output: null,
    };
    const stolen = await invokeCompensation(bus, { runId: "run-2", threadId: "host-t2", step }).catch(
      (e: unknown) => e,
    );
    expect(isTroupeError(stolen, "COMPENSATION_REFUSED")).toBe(true);
    expect(actions().filter((e) => e.action === "refund")).toEqual([]);

    await invokeCompensation(bus, { runId: "run-1", threadId: "host-t1", step });
    await invokeCompensation(bus, { runId: "run-1", threadId: "host-t1", step });
    expect(actions().filter((e) => e.action === "refund")).toHaveLength(1);
  });

  it("a request whose deadline has passed is not started; one whose deadline passes mid-charge is aborted", async () => {
    const late = await invokeAgent(bus, charge("late", { deadline: Date.now() - 1 }), { timeoutMs: 10_000 }).catch(
      (e: unknown) => e,
    );
    expect(isTroupeError(late, "AGENT_TIMEOUT")).toBe(true);
    const short = await invokeAgent(bus, charge("short"), { timeoutMs: 400 }).catch((e: unknown) => e);
    expect(isTroupeError(short, "AGENT_TIMEOUT")).toBe(true);
    // the charge takes 1.5 s; its signal was aborted at the deadline, so it never lands
    await new Promise((r) => setTimeout(r, 2000));
    expect(actions().filter((e) => e.key.includes(":late:") || e.key.includes(":short:"))).toEqual([]);
  });
});
