import { execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { sqliteStore } from "@troupe/store-sqlite";
import { loadTeam } from "@troupe/patterns";
import { readLedger, repeatsPath } from "../examples/order-saga/src/ledger.js";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "packages/cli/dist/bin.js");
const SPEC = join(ROOT, "examples/order-saga/team.yaml");

/** Starts `troupe run` in a child process and SIGKILLs it once the ledger shows `until`. */
async function runAndKill(
  env: Record<string, string>,
  input: string,
  thread: string,
  store: string,
  until: (actions: string[]) => boolean,
) {
  const child = spawn("node", [BIN, "run", SPEC, "--input", input, "--thread", thread, "--store", store], {
    env: { ...process.env, ...env },
    stdio: "ignore",
  });
  const exited = new Promise((r) => child.once("exit", r));
  const deadline = Date.now() + 20_000;
  while (!until(readLedger(env.ORDER_LEDGER).map((e) => e.action))) {
    if (Date.now() > deadline) throw new Error("the child never reached the kill point");
    await sleep(20);
  }
  child.kill("SIGKILL");
  await exited;
}

function counts(file: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of readLedger(file)) out[e.action] = (out[e.action] ?? 0) + 1;
  return out;
}

/** A SQLite store whose first checkpoint write never lands, as when the process is killed just before it. */
function losingFirstCheckpoint(file: string) {
  const store = sqliteStore(file);
  const put = store.checkpointer.put.bind(store.checkpointer);
  let puts = 0;
  store.checkpointer.put = (...args) =>
    puts++ === 0 ? Promise.reject(new Error("killed before the first checkpoint")) : put(...args);
  return store;
}

describe("a process killed mid-run, then resumed by another process", () => {
  it("finishes the run with every side effect exactly once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "crash-run-"));
    const env = { ORDER_LEDGER: join(dir, "ledger.jsonl"), ORDER_SLOW_SHIP_MS: "1500" };
    const store = join(dir, "store.sqlite");
    // killed while shipping: reserve and charge are done, ship is in flight
    await runAndKill(env, "Order 2 lamps to Berlin", "k1", store, (a) => a.includes("charge"));
    expect(counts(env.ORDER_LEDGER)).toEqual({ reserve: 1, charge: 1 });

    // the owner is gone: status says so, and a new turn is refused until the run is resumed or cancelled
    const status = JSON.parse(
      (await run("node", [BIN, "status", "k1", "--store", store, "--json"], { env: { ...process.env, ...env } }))
        .stdout,
    );
    expect(status.state).toBe("interrupted");
    expect(status.ownerLost).toMatchObject({ stalled: "running", lease: { purpose: "run" } });
    const refused = await run(
      "node",
      [BIN, "run", SPEC, "--input", "Order 1 lamp to Oslo", "--thread", "k1", "--store", store],
      { env: { ...process.env, ...env } },
    ).catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stderr: string }).stderr).toMatch(/troupe resume k1.*\[THREAD_UNFINISHED\]/);
    const resumed = await run("node", [BIN, "resume", "k1", "--store", store, "--json"], {
      env: { ...process.env, ...env, ORDER_SLOW_SHIP_MS: "0" },
    });
    expect(JSON.parse(resumed.stdout.trim().split("\n").at(-1)!).status).toBe("completed");
    expect(counts(env.ORDER_LEDGER)).toEqual({ reserve: 1, charge: 1, ship: 1 });
  });

  it("killed during compensation, resumes compensating: refund and release exactly once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "crash-comp-"));
    const env = { ORDER_LEDGER: join(dir, "ledger.jsonl"), ORDER_SLOW_RELEASE_MS: "1500" };
    const store = join(dir, "store.sqlite");
    // shipping to Atlantis fails; killed after the refund, while the release is in flight
    await runAndKill(env, "Order 2 lamps to Atlantis", "k2", store, (a) => a.includes("refund"));
    expect(counts(env.ORDER_LEDGER)).toEqual({ reserve: 1, charge: 1, refund: 1 });

    const status = await run("node", [BIN, "status", "k2", "--store", store, "--json"], {
      env: { ...process.env, ...env },
    });
    expect(JSON.parse(status.stdout)).toMatchObject({ state: "interrupted", ownerLost: { stalled: "compensating" } });
    const resumed = await run("node", [BIN, "resume", "k2", "--store", store, "--json"], {
      env: { ...process.env, ...env, ORDER_SLOW_RELEASE_MS: "0" },
    }).catch((e: { stdout: string }) => e);
    expect(JSON.parse(resumed.stdout.trim().split("\n").at(-1)!).status).toBe("failed");
    expect(counts(env.ORDER_LEDGER)).toEqual({ reserve: 1, charge: 1, refund: 1, release: 1 });
    expect(readLedger(env.ORDER_LEDGER).map((e) => e.action)).toEqual(["reserve", "charge", "refund", "release"]);
  });

  it("killed mid-run, then cancelled by another process: compensates from the journal, repeats nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "crash-cancel-"));
    const env = { ORDER_LEDGER: join(dir, "ledger.jsonl"), ORDER_SLOW_SHIP_MS: "1500" };
    const store = join(dir, "store.sqlite");
    await runAndKill(env, "Order 2 lamps to Berlin", "k3", store, (a) => a.includes("charge"));
    const cancelled = await run("node", [BIN, "cancel", "k3", "--store", store], { env: { ...process.env, ...env } });
    expect(cancelled.stdout).toContain("cancelled k3 (cancelled)");
    expect(readLedger(env.ORDER_LEDGER).map((e) => e.action)).toEqual(["reserve", "charge", "refund", "release"]);
    const status = JSON.parse(
      (await run("node", [BIN, "status", "k3", "--store", store, "--json"], { env: { ...process.env, ...env } }))
        .stdout,
    );
    expect(status.state).toBe("cancelled");
    // the thread is free again: a new turn runs
    const next = await run(
      "node",
      [BIN, "run", SPEC, "--input", "Order 1 lamp to Oslo", "--thread", "k3", "--store", store, "--json"],
      { env: { ...process.env, ...env, ORDER_SLOW_SHIP_MS: "0" } },
    );
    expect(JSON.parse(next.stdout.trim().split("\n").at(-1)!).status).toBe("completed");
  });

  it("killed right after a side effect, before its result was recorded: cancel settles the call by its key and undoes it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "crash-doubt-"));
    const env = { ORDER_LEDGER: join(dir, "ledger.jsonl") };
    const store = join(dir, "store.sqlite");
    await runAndKill({ ...env, ORDER_HANG_AFTER: "charge" }, "Order 2 lamps to Berlin", "k5", store, (a) =>
      a.includes("charge"),
    );
    const cancelled = await run("node", [BIN, "cancel", "k5", "--store", store], { env: { ...process.env, ...env } });
    expect(cancelled.stdout).toContain("cancelled k5 (cancelled)");
    // the charge was journaled in doubt before it ran; the cancel asked the tool again with the
    // same idempotency key (the outside world saw a repeat and did nothing), then refunded it
    expect(readLedger(env.ORDER_LEDGER).map((e) => e.action)).toEqual(["reserve", "charge", "refund", "release"]);
    expect(readLedger(repeatsPath(env.ORDER_LEDGER)).map((e) => e.action)).toEqual(["charge"]);
  });

  it("died after the run started but before its first checkpoint: resume starts the turn again, once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "crash-start-"));
    process.env.ORDER_LEDGER = join(dir, "ledger.jsonl");
    try {
      const store = losingFirstCheckpoint(join(dir, "store.sqlite"));
      const team = await loadTeam(SPEC, { store, env: {} });
      await expect(team.run("Order 2 lamps to Berlin", { threadId: "k4" })).rejects.toThrow(
        "killed before the first checkpoint",
      );
      expect(await team.state("k4")).toBeUndefined();
      expect((await team.status("k4"))?.state).toBe("interrupted");
      const resumed = await team.resume("k4");
      expect(resumed.status).toBe("completed");
      expect((await team.state("k4"))?.userTurn).toBe(1);
      expect(readLedger(process.env.ORDER_LEDGER).map((e) => e.action)).toEqual(["reserve", "charge", "ship"]);
      await team.close();
    } finally {
      delete process.env.ORDER_LEDGER;
    }
  });

  it("no checkpoint of the turn was written, then cancelled: the journal alone undoes what ran, and the thread takes a new turn", async () => {
    const dir = mkdtempSync(join(tmpdir(), "crash-start-cancel-"));
    process.env.ORDER_LEDGER = join(dir, "ledger.jsonl");
    try {
      const store = losingFirstCheckpoint(join(dir, "store.sqlite"));
      const team = await loadTeam(SPEC, { store, env: {} });
      await expect(team.run("Order 2 lamps to Berlin", { threadId: "k6" })).rejects.toThrow(
        "killed before the first checkpoint",
      );
      await team.cancel("k6");
      expect((await team.status("k6"))?.state).toBe("cancelled");
      // the checkpoint writes failed while the steps ran: the saga journal still had them
      expect(readLedger(process.env.ORDER_LEDGER).map((e) => e.action)).toEqual([
        "reserve",
        "charge",
        "ship",
        "refund",
        "release",
      ]);
      expect((await team.run("Order 1 lamp to Oslo", { threadId: "k6" })).status).toBe("completed");
      // the new turn is turn 2: it shares no key (and so no recorded answer) with the cancelled one
      expect((await team.state("k6"))?.userTurn).toBe(2);
      expect(
        readLedger(process.env.ORDER_LEDGER)
          .slice(5)
          .map((e) => [e.action, e.key.split(":")[1]]),
      ).toEqual([
        ["reserve", "2"],
        ["charge", "2"],
        ["ship", "2"],
      ]);
      await team.close();
    } finally {
      delete process.env.ORDER_LEDGER;
    }
  });
});
