import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it, vi } from "vitest";
import { loadTeam } from "@troupe/patterns";
import { memoryStore, offlineModel } from "@troupe/core";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "packages/cli/dist/bin.js");
const SPEC = join(ROOT, "examples/research-team/team.yaml");
const dir = mkdtempSync(join(tmpdir(), "troupe-models-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const keyless: NodeJS.ProcessEnv = { ...process.env };
delete keyless.ANTHROPIC_API_KEY;
delete keyless.TROUPE_MODEL;

describe("no silent fake model", () => {
  it("loadTeam without a key tells stderr once that the offline model stands in; choosing it explicitly is silent", async () => {
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const fallback = await loadTeam(SPEC, { store: memoryStore(), env: {} });
      await fallback.run("Brief me on sagas");
      await fallback.run("And on breakers");
      await fallback.close();
      const notes = err.mock.calls.map((c) => String(c[0])).filter((l) => l.includes("offline demo model"));
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatch(/^troupe: note: Using the offline demo model/);

      err.mockClear();
      const chosen = await loadTeam(SPEC, { store: memoryStore(), env: {}, model: offlineModel() });
      await chosen.run("Brief me on sagas");
      await chosen.close();
      expect(err.mock.calls.map((c) => String(c[0])).filter((l) => l.includes("offline demo model"))).toEqual([]);
    } finally {
      err.mockRestore();
    }
  });

  it("troupe run --model claude-... without ANTHROPIC_API_KEY fails before the run: one clear line, no thread, no dead letter", async () => {
    const store = join(dir, "store.sqlite");
    const failed = await run(
      process.execPath,
      [BIN, "run", SPEC, "--input", "hi", "--thread", "m-1", "--model", "claude-sonnet-4-6", "--store", store],
      { env: keyless, cwd: dir },
    ).catch((e: { code: number; stderr: string }) => e);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr).toMatch(/ANTHROPIC_API_KEY.*\[MODEL_AUTH\]/);
    expect((failed as { stderr: string }).stderr).toContain("--model offline");
    // nothing ran: no thread, so no dead letter either
    const letters = await run(process.execPath, [BIN, "dlq", "list", "--store", store, "--json"], {
      env: keyless,
      cwd: dir,
    }).catch((e: { stderr: string }) => e);
    expect((letters as { stderr: string }).stderr).toContain("nothing has run with this store [THREAD_UNKNOWN]");
  });
});
