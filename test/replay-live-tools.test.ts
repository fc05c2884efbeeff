import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "packages/cli/dist/bin.js");
const SPEC = join(ROOT, "examples/order-saga/team.yaml");
const dir = mkdtempSync(join(tmpdir(), "troupe-live-tools-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env: NodeJS.ProcessEnv = { ...process.env, ORDER_LEDGER: join(dir, "ledger.jsonl") };
delete env.ANTHROPIC_API_KEY;
const troupe = (...args: string[]) =>
  run(process.execPath, [BIN, ...args, "--store", join(dir, "store.sqlite")], { env, cwd: ROOT });
const actions = () =>
  readFileSync(env.ORDER_LEDGER!, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { action: string }).action);

describe("troupe replay --live repeats no side effect unless --live-tools", () => {
  it("answers compensable and non-idempotent tool calls from the recorded run; --live-tools runs them again, and says so", async () => {
    await troupe("run", SPEC, "--input", "Order 2 lamps to Berlin", "--thread", "lt-1");
    expect(actions()).toEqual(["reserve", "charge", "ship"]);

    const live = await troupe("replay", "lt-1", "--live", "--json");
    expect(live.stderr).toContain(
      "tools with side effects (compensate, or not idempotent) answer from the recorded run and never run again (--live-tools runs them)",
    );
    expect(JSON.parse(live.stdout)).toMatchObject({ status: "completed" });
    expect(actions()).toEqual(["reserve", "charge", "ship"]);

    const again = await troupe("replay", "lt-1", "--live", "--live-tools", "--json");
    expect(again.stderr).toContain("with --live-tools");
    expect(JSON.parse(again.stdout)).toMatchObject({ status: "completed" });
    expect(actions()).toEqual(["reserve", "charge", "ship", "reserve", "charge", "ship"]);

    const refused = await troupe("replay", "lt-1", "--live-tools").catch((e: { stderr: string }) => e);
    expect((refused as { stderr: string }).stderr).toContain("--live-tools only applies with --live");
  });
});
