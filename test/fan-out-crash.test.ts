import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "packages/cli/dist/bin.js");
const SPEC = join(ROOT, "test/fixtures/fan-out/team.yaml");
const dir = mkdtempSync(join(tmpdir(), "troupe-fan-out-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ledgerFile = join(dir, "ledger.jsonl");
const store = join(dir, "store.sqlite");
const env: NodeJS.ProcessEnv = { ...process.env, FANOUT_LEDGER: ledgerFile, FANOUT_SLOW_MS: "400" };
delete env.ANTHROPIC_API_KEY;
const filed = (): Array<{ doc: number; key: string }> =>
  existsSync(ledgerFile)
    ? readFileSync(ledgerFile, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { doc: number; key: string })
    : [];

describe("kill -9 in the middle of a fan-out", () => {
  it("resume finishes each branch exactly once, each with its own call identity", async () => {
    const child = spawn(
      process.execPath,
      [BIN, "run", SPEC, "--input", "the Q3 audit", "--thread", "fan-k1", "--store", store],
      { env, stdio: "ignore" },
    );
    const exited = new Promise((done) => child.once("exit", done));
    // doc 1 is filed after ~400 ms, doc 4 after ~1600 ms: kill with some branches done and some in flight
    while (filed().length < 1) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGKILL");
    await exited;
    const before = filed();
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before.length).toBeLessThan(4);

    const status = JSON.parse(
      (await run(process.execPath, [BIN, "status", "fan-k1", "--store", store, "--json"], { env })).stdout,
    ) as { state: string };
    expect(status.state).toBe("interrupted");
    const resumed = JSON.parse(
      (
        await run(process.execPath, [BIN, "resume", "fan-k1", "--store", store, "--json"], {
          env: { ...env, FANOUT_SLOW_MS: "10" },
        })
      ).stdout,
    ) as { status: string; output: string };
    expect(resumed.status).toBe("completed");

    const after = filed();
    expect(after.map((e) => e.doc).sort()).toEqual([1, 2, 3, 4]);
    expect(new Set(after.map((e) => e.key)).size).toBe(4);
    // the branches filed before the kill were not filed again
    expect(after.slice(0, before.length)).toEqual(before);
  });
});
