// Issue 10: "a run request may name a pre-registered team instead of carrying code paths". An
// orchestrator started with --team <spec> runs requests that name that team (troupe submit --team),
// importing the team's code from its own directory; a request naming a team or version it lacks is
// dead-lettered at once with TEAM_UNKNOWN; a request carrying a spec still runs as before, and still
// imports only from --allow-imports directories (registering a team opens its directory to no one else).
import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {} from "@troupe/core";
// internal: not part of the public entry
import { readRunStatus } from "../packages/core/src/runtime/run-lifecycle.js";
import { postgresStore, type PostgresStore } from "@troupe/store-postgres";
import { NatsBus, RunQueue, type DeadRun } from "@troupe/nats";
import { startNatsServer, startPostgres, type RunningNatsServer, type RunningPostgres } from "@troupe/testing";
import { ROOT, runCli, spawnTroupe, type TroupeChild } from "./troupe-cli.js";

const ORDER_SAGA = join(ROOT, "examples/order-saga/team.yaml");
const VERSION = createHash("sha256").update(readFileSync(ORDER_SAGA)).digest("hex").slice(0, 12);
const NS = "registered";

let nats: RunningNatsServer;
let pg: RunningPostgres;
let store: PostgresStore;
let queue: RunQueue;
let orchestrator: TroupeChild;
const children = new Set<ChildProcess>();
const cleanups: Array<() => Promise<unknown>> = [];
const dir = mkdtempSync(join(tmpdir(), "troupe-registered-"));
const ledgerFile = join(dir, "ledger.jsonl");

beforeAll(async () => {
  [nats, pg] = await Promise.all([startNatsServer(), startPostgres()]);
  store = postgresStore(pg.url);
  const bus = await NatsBus.connect({ servers: nats.url, namespace: NS });
  cleanups.push(() => bus.close());
  queue = await RunQueue.open(bus.connection, { namespace: NS });
  // no --allow-imports for the order saga: registering it allows its own directory
  orchestrator = spawnTroupe(
    [
      "orchestrator",
      "--nats",
      nats.url,
      "--store",
      pg.url,
      "--namespace",
      NS,
      "--ack-wait",
      "5000",
      "--team",
      "examples/order-saga/team.yaml",
      "--allow-imports",
      "examples/research-team",
    ],
    { ORDER_LEDGER: ledgerFile },
    children,
  );
  await orchestrator.waitFor(/takes runs from/, 30_000);
}, 60_000);
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await store?.close();
  await Promise.all([nats?.stop(), pg?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const submit = (...args: string[]) => runCli(["submit", ...args, "--nats", nats.url, "--namespace", NS]);

function ledger(): string[] {
  if (!existsSync(ledgerFile)) return [];
  return readFileSync(ledgerFile, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { action: string }).action);
}

async function deadFor(threadId: string): Promise<DeadRun> {
  await expect
    .poll(async () => (await queue.deadRuns()).some((d) => d.request.threadId === threadId), { timeout: 20_000 })
    .toBe(true);
  return (await queue.deadRuns()).find((d) => d.request.threadId === threadId)!;
}

describe("troupe orchestrator --team registers teams that requests name", () => {
  it("says which team it registered, under the sha256 of its spec file", () => {
    expect(orchestrator.err()).toContain(
      `registered team order-saga@${VERSION} (${ORDER_SAGA}; imports from ${join(ROOT, "examples/order-saga")})`,
    );
  });

  it("troupe submit --team order-saga runs the registered spec with its imports to completion", async () => {
    const submitted = await submit("--team", "order-saga", "--input", "Order 2 lamps to Berlin", "--thread", "x");
    expect(submitted.code, submitted.err.join("\n")).toBe(0);
    expect(submitted.out).toEqual(["x"]);
    await expect.poll(async () => (await readRunStatus(store.docs, "x"))?.state, { timeout: 60_000 }).toBe("completed");
    expect(ledger()).toEqual(["reserve", "charge", "ship"]);
    expect(orchestrator.err()).toMatch(/thread x: taking request \S+ \(team order-saga, delivery 1\)/);
  });

  it("a pinned version the orchestrator has runs too", async () => {
    const submitted = await submit(
      "--team",
      `order-saga@${VERSION}`,
      "--input",
      "Order 1 desk to Paris",
      "--thread",
      "pinned",
    );
    expect(submitted.code, submitted.err.join("\n")).toBe(0);
    await expect
      .poll(async () => (await readRunStatus(store.docs, "pinned"))?.state, { timeout: 60_000 })
      .toBe("completed");
  });

  it("an unknown name or version is dead-lettered at once with TEAM_UNKNOWN naming the registered teams", async () => {
    expect(
      (await submit("--team", "order-saga@0123456789ab", "--input", "Order 2 lamps", "--thread", "old-version")).code,
    ).toBe(0);
    expect((await submit("--team", "no-such-team", "--input", "Order 2 lamps", "--thread", "no-name")).code).toBe(0);
    const oldVersion = await deadFor("old-version");
    expect(oldVersion).toMatchObject({
      code: "TEAM_UNKNOWN",
      deliveries: 1,
      request: { team: { name: "order-saga", version: "0123456789ab" } },
    });
    expect(oldVersion.reason).toContain(
      `no registered team "order-saga" version 0123456789ab; it has order-saga@${VERSION}`,
    );
    const noName = await deadFor("no-name");
    expect(noName).toMatchObject({ code: "TEAM_UNKNOWN", deliveries: 1 });
    expect(noName.reason).toContain(`no registered team "no-such-team"; it has order-saga@${VERSION}`);
    expect(await readRunStatus(store.docs, "no-name")).toBeUndefined();
  });

  it("a request carrying a spec still runs as today, importing only from --allow-imports dirs, not a registered team's", async () => {
    const research = await submit(
      "examples/research-team/team.yaml",
      "--input",
      "Brief me on sagas",
      "--thread",
      "raw-spec",
    );
    expect(research.code, research.err.join("\n")).toBe(0);
    await expect
      .poll(async () => (await readRunStatus(store.docs, "raw-spec"))?.state, { timeout: 60_000 })
      .toBe("completed");

    const before = ledger().length;
    expect((await submit(ORDER_SAGA, "--input", "Order 2 lamps to Berlin", "--thread", "raw-saga")).code).toBe(0);
    const refused = await deadFor("raw-saga");
    expect(refused.code).toBe("IMPORT_NOT_ALLOWED");
    expect(ledger()).toHaveLength(before);
  });

  it("submit takes a spec file or --team, not both and not neither", async () => {
    const both = await submit(ORDER_SAGA, "--team", "order-saga", "--input", "hi");
    expect(both.code).toBe(2);
    expect(both.err.join("\n")).toContain("takes a spec file or --team <name>, not both");
    const neither = await submit("--input", "hi");
    expect(neither.code).toBe(2);
    expect(neither.err.join("\n")).toContain("needs a spec file");
  });
});

describe("troupe orchestrator --team refuses a bad registration before it connects", () => {
  it("two specs of one name", async () => {
    const twice = await runCli([
      "orchestrator",
      "--nats",
      nats.url,
      "--namespace",
      "twice",
      "--team",
      ORDER_SAGA,
      "--team",
      ORDER_SAGA,
    ]);
    expect(twice.code).toBe(1);
    expect(twice.err.join("\n")).toContain(
      `two registered teams are both named "order-saga" (${ORDER_SAGA} and ${ORDER_SAGA}); an orchestrator registers one version per name`,
    );
  });
});
