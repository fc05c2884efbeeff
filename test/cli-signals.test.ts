import { execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { readLedger } from "../examples/order-saga/src/ledger.js";

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "packages/cli/bin/troupe.js");
const SPEC = join(ROOT, "examples/order-saga/team.yaml");

/**
 * Runs the order saga in a child `troupe run`, sends it `signals` SIGINTs once shipping is under
 * way (reserve and charge done), and returns its exit code and stderr.
 */
async function interrupt(signals: number, thread: string, slow: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "sig-"));
  const env = { ...process.env, ORDER_LEDGER: join(dir, "ledger.jsonl"), ORDER_SLOW_SHIP_MS: "1200", ...slow };
  const store = join(dir, "store.sqlite");
  const child = spawn(
    "node",
    [BIN, "run", SPEC, "--input", "Order 2 lamps to Berlin", "--thread", thread, "--store", store],
    { env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const deadline = Date.now() + 20_000;
  while (!readLedger(env.ORDER_LEDGER).some((e) => e.action === "charge")) {
    if (Date.now() > deadline) throw new Error(`the run never charged: ${stderr}`);
    await sleep(20);
  }
  await sleep(150); // shipping is in flight
  for (let i = 0; i < signals; i++) {
    child.kill("SIGINT");
    await sleep(100);
  }
  const code = await exited;
  const troupe = (...args: string[]) =>
    exec("node", [BIN, ...args, "--store", store], {
      env: { ...env, ORDER_SLOW_SHIP_MS: "0", ORDER_SLOW_REFUND_MS: "0" },
    }).catch((e: { stdout: string; stderr: string }) => e);
  const actions = () => readLedger(env.ORDER_LEDGER).map((e) => e.action);
  return { code, stderr, troupe, actions };
}

describe("troupe run and Ctrl-C", () => {
  it("once: pauses at the next step boundary, says how to resume; resume finishes with each effect once", async () => {
    const { code, stderr, troupe, actions } = await interrupt(1, "s1");
    expect(code).toBe(130);
    expect(stderr).toContain("SIGINT: pausing at the next step boundary");
    expect(stderr).toContain("troupe resume s1");
    expect(JSON.parse((await troupe("status", "s1", "--json")).stdout).state).toBe("paused");
    const resumed = await troupe("resume", "s1", "--json");
    expect(JSON.parse(resumed.stdout.trim().split("\n").at(-1)!).status).toBe("completed");
    expect(actions()).toEqual(["reserve", "charge", "ship"]);
  });

  it("twice: cancels, aborting the shipment in flight and compensating the charge and the reservation", async () => {
    const { code, stderr, troupe, actions } = await interrupt(2, "s2");
    expect(code).toBe(130);
    expect(stderr).toContain("SIGINT: cancelling");
    expect(JSON.parse((await troupe("status", "s2", "--json")).stdout).state).toBe("cancelled");
    expect(actions()).toEqual(["reserve", "charge", "refund", "release"]);
  });

  it("three times: exits at once in the middle of compensating, leaving it resumable; resume finishes undoing once", async () => {
    const { code, stderr, troupe, actions } = await interrupt(3, "s3", { ORDER_SLOW_REFUND_MS: "3000" });
    expect(code).toBe(130);
    expect(stderr).toContain("exiting now; the run stays resumable: troupe resume s3");
    expect(actions()).toEqual(["reserve", "charge"]);
    const status = JSON.parse((await troupe("status", "s3", "--json")).stdout);
    expect(status).toMatchObject({ state: "interrupted", ownerLost: { stalled: "compensating" } });
    const resumed = await troupe("resume", "s3", "--json");
    expect(JSON.parse(resumed.stdout.trim().split("\n").at(-1)!).status).toBe("cancelled");
    expect(actions()).toEqual(["reserve", "charge", "refund", "release"]);
  });

  it("a second troupe run on the same thread exits with THREAD_BUSY; with --wait both turns land in order", async () => {
    const dir = mkdtempSync(join(tmpdir(), "busy-"));
    const env = { ...process.env, ORDER_LEDGER: join(dir, "ledger.jsonl"), ORDER_SLOW_SHIP_MS: "8000" };
    const store = join(dir, "store.sqlite");
    const run = (input: string, ...extra: string[]) =>
      exec("node", [BIN, "run", SPEC, "--input", input, "--thread", "b", "--store", store, "--json", ...extra], {
        env,
      });
    const first = run("Order 1 lamp to Oslo");
    while (!readLedger(env.ORDER_LEDGER).length) await sleep(20);
    const busy = await run("Order 2 lamps to Rome").catch((e: { code: number; stderr: string }) => e);
    expect(busy).toMatchObject({ code: 1 });
    expect((busy as { stderr: string }).stderr).toMatch(
      /thread "b" is busy: pid \d+ on host .* has held it for a run since .*\[THREAD_BUSY\]/,
    );
    const waited = run("Order 2 lamps to Rome", "--wait", "30000");
    const [a, b] = await Promise.all([first, waited]);
    expect(JSON.parse(a.stdout.trim()).status).toBe("completed");
    expect(JSON.parse(b.stdout.trim()).status).toBe("completed");
    expect(readLedger(env.ORDER_LEDGER).map((e) => `${e.action} ${e.order}`)).toEqual([
      "reserve Order 1 lamp to Oslo",
      "charge Order 1 lamp to Oslo",
      "ship Order 1 lamp to Oslo",
      "reserve Order 2 lamps to Rome",
      "charge Order 2 lamps to Rome",
      "ship Order 2 lamps to Rome",
    ]);
  });
});
