// "No code from untrusted specs": a run request whose spec imports a module outside the directories
// the orchestrator's operator allowed is dead-lettered with IMPORT_NOT_ALLOWED and the module never
// runs; a local `troupe run` imports only from the spec's own directory unless --allow-imports says more.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSpecFile, type TeamStore } from "@troupe/core";
// internal: not part of the public entry
import { readRunStatus } from "../packages/core/src/runtime/run-lifecycle.js";
import { sqliteStore } from "@troupe/store-sqlite";
import { NatsBus, Orchestrator, RunQueue, submitRun } from "@troupe/nats";
import { loadTeam } from "@troupe/patterns";
import { startNatsServer, type RunningNatsServer } from "@troupe/testing";
import { runCli } from "./troupe-cli.js";

// root/
//   outside.mjs           writes outside.marker when imported
//   allowed/team.yaml     imports ./inside.mjs
//   allowed/inside.mjs    writes inside.marker when imported
//   allowed/sneaky.yaml   imports ../outside.mjs
const root = mkdtempSync(join(tmpdir(), "troupe-spec-imports-"));
const allowed = join(root, "allowed");
mkdirSync(allowed);
const module = (marker: string) =>
  `import { writeFileSync } from "node:fs";\nwriteFileSync(new URL("./${marker}", import.meta.url), "imported");\nexport const loaded = true;\n`;
writeFileSync(join(root, "outside.mjs"), module("outside.marker"));
writeFileSync(join(allowed, "inside.mjs"), module("inside.marker"));
const teamYaml = (imports: string) => `name: imports-demo
pattern: supervisor
supervisor: lead
imports: [${imports}]
agents:
  lead: { description: "Plans and delegates", instructions: "Delegate one task at a time, then finish with the answer." }
  analyst: { description: "Analyses the question", instructions: "List the key points of the question." }
`;
writeFileSync(join(allowed, "team.yaml"), teamYaml("./inside.mjs"));
writeFileSync(join(allowed, "sneaky.yaml"), teamYaml("../outside.mjs"));
const outsideMarker = join(root, "outside.marker");
const insideMarker = join(allowed, "inside.marker");

let nats: RunningNatsServer;
let store: TeamStore;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  nats = await startNatsServer();
  store = sqliteStore(join(root, "orchestrator.sqlite"));
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await store?.close();
  await nats?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** The spec as `troupe submit` sends it: the raw value and the directory it was read from. */
function specOf(name: string): { spec: Record<string, unknown>; baseDir: string } {
  const { raw, baseDir } = readSpecFile(join(allowed, `${name}.yaml`));
  return { spec: raw as Record<string, unknown>, baseDir };
}

describe("an orchestrator runs spec imports only from --allow-imports directories", () => {
  it("a request importing a module outside them is dead-lettered with IMPORT_NOT_ALLOWED and the module never runs; one inside runs", async () => {
    const bus = await NatsBus.connect({ servers: nats.url, namespace: "imports", durableEvents: true });
    cleanups.push(() => bus.close());
    const orchestrator = await Orchestrator.start({
      bus,
      store,
      loadTeam,
      allowImports: [allowed],
      model: "offline",
      env: {},
      ackWaitMs: 5000,
      onNotice: () => undefined,
    });
    cleanups.push(() => orchestrator.stop());
    const queue = await RunQueue.open(bus.connection, { namespace: "imports" });

    await submitRun(bus, { ...specOf("sneaky"), input: "Brief me", threadId: "sneaky-1" });
    await expect.poll(async () => (await queue.deadRuns()).length, { timeout: 20_000 }).toBe(1);
    const [dead] = await queue.deadRuns();
    expect(dead).toMatchObject({ code: "IMPORT_NOT_ALLOWED", deliveries: 1, request: { threadId: "sneaky-1" } });
    expect(dead!.reason).toContain('"../outside.mjs"');
    expect(dead!.reason).toContain(join(root, "outside.mjs"));
    expect(dead!.reason).toContain("--allow-imports <dir>");
    expect(existsSync(outsideMarker)).toBe(false);

    await submitRun(bus, { ...specOf("team"), input: "Brief me", threadId: "inside-1" });
    await expect
      .poll(async () => (await readRunStatus(store.docs, "inside-1"))?.state, { timeout: 30_000 })
      .toBe("completed");
    expect(existsSync(insideMarker)).toBe(true);
    expect(existsSync(outsideMarker)).toBe(false);
    expect(await queue.deadRuns()).toHaveLength(1);
  });

  it("with no --allow-imports an orchestrator imports nothing, not even from the spec's own directory", async () => {
    const bus = await NatsBus.connect({ servers: nats.url, namespace: "no-imports", durableEvents: true });
    cleanups.push(() => bus.close());
    const orchestrator = await Orchestrator.start({
      bus,
      store,
      loadTeam,
      model: "offline",
      env: {},
      ackWaitMs: 5000,
      onNotice: () => undefined,
    });
    cleanups.push(() => orchestrator.stop());
    const queue = await RunQueue.open(bus.connection, { namespace: "no-imports" });
    await submitRun(bus, { ...specOf("team"), input: "Brief me", threadId: "none-1" });
    await expect.poll(async () => (await queue.deadRuns()).length, { timeout: 20_000 }).toBe(1);
    const [dead] = await queue.deadRuns();
    expect(dead).toMatchObject({ code: "IMPORT_NOT_ALLOWED" });
    expect(dead!.reason).toMatch(/no directory was allowed/);
  });
});

describe("troupe run imports from the spec's directory, and --allow-imports directories", () => {
  it("refuses ../outside.mjs until --allow-imports names its directory", async () => {
    const sneaky = join(allowed, "sneaky.yaml");
    const args = ["run", sneaky, "--input", "Brief me", "--model", "offline", "--store", join(root, "cli.sqlite")];
    const refused = await runCli(args);
    expect(refused.code).toBe(1);
    expect(refused.err.join("\n")).toMatch(
      /spec import "\.\.\/outside\.mjs" \(imports\[0\]\) resolves to .*outside\.mjs, outside the directories allowed to load code .*\[IMPORT_NOT_ALLOWED\]/,
    );
    expect(existsSync(outsideMarker)).toBe(false);
    const ran = await runCli([...args, "--allow-imports", root]);
    expect(ran.code, ran.err.join("\n")).toBe(0);
    expect(existsSync(outsideMarker)).toBe(true);
  });
});
