// Namespaces as security boundaries: a real nats-server runs the configuration `troupe nats config`
// writes (one account per namespace); tenant-a's credentials must not reach anything of tenant-b's,
// and tenant-a's own worker + orchestrator + submit flow must work with them.
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, PermissionViolationError, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTroupeError, type TroupeEvent } from "@troupe/core";
import {
  AgentRegistry,
  natsConnectionOptions,
  NatsBus,
  namespacePermissions,
  RunEventLog,
  RunQueue,
} from "@troupe/nats";
import { freePort, startNatsServer, type RunningNatsServer } from "@troupe/testing";
import { ROOT, runCli, spawnTroupe } from "./troupe-cli.js";

const SPEC = join(ROOT, "examples/order-saga/team.yaml");
const AGENTS = join(ROOT, "test/nats-worker-agents.mjs");
const A = "tenant-a";
const B = "tenant-b";

let dir: string;
let nats: RunningNatsServer;
let configOutput: string[];
const seedFile = (ns: string) => join(dir, `${ns}.nk`);
const seed = (ns: string) => readFileSync(seedFile(ns), "utf8").trim();
const children = new Set<ChildProcess>();
const cleanups: Array<() => Promise<unknown>> = [];

/** A plain NATS connection with a namespace's credentials: no Troupe check in between, the server alone decides. */
async function raw(ns: string): Promise<NatsConnection> {
  const nc = await connect(natsConnectionOptions({ servers: nats.url, nkeySeed: seed(ns) }));
  cleanups.push(() => nc.close());
  return nc;
}

async function bus(ns: string, credentialsOf = ns): Promise<NatsBus> {
  const b = await NatsBus.connect({
    servers: nats.url,
    namespace: ns,
    nkeySeed: seed(credentialsOf),
    durableEvents: true,
  });
  cleanups.push(() => b.close());
  return b;
}

/** Subscribes and returns the error the server answered with, after a round trip. */
async function deniedSubscription(nc: NatsConnection, subject: string, queue?: string): Promise<unknown> {
  let denied: unknown;
  const received: unknown[] = [];
  nc.subscribe(subject, {
    ...(queue ? { queue } : {}),
    callback: (error, msg) => {
      if (error) denied = error;
      else received.push(msg);
    },
  });
  await nc.flush();
  expect(received).toEqual([]);
  return denied;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "troupe-ns-"));
  const port = await freePort();
  const made = await runCli([
    "nats",
    "config",
    "--namespace",
    A,
    "--namespace",
    B,
    "--out",
    dir,
    "--port",
    String(port),
  ]);
  expect(made.code, made.err.join("\n")).toBe(0);
  configOutput = made.out;
  nats = await startNatsServer({ port, configFile: join(dir, "nats-server.conf") });
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("troupe nats config", () => {
  it("writes a server config holding public keys only and a 0600 seed file per namespace, and says how to start and connect", () => {
    const config = readFileSync(join(dir, "nats-server.conf"), "utf8");
    expect(config).toMatch(/"troupe-tenant-a": \{\n\s+jetstream: enabled/);
    expect(config).toMatch(/"troupe-tenant-b": \{\n\s+jetstream: enabled/);
    expect(config).toContain(`listen: "127.0.0.1:${nats.port}"`);
    for (const ns of [A, B]) {
      expect(seed(ns)).toMatch(/^SU[A-Z2-7]+$/);
      expect(config).not.toContain(seed(ns));
      expect(statSync(seedFile(ns)).mode & 0o777).toBe(0o600);
    }
    expect(configOutput).toContain(`  nats-server -c ${join(dir, "nats-server.conf")}`);
    expect(configOutput).toContain(
      `  troupe submit <spec> --input "..." --nats ${nats.url} --namespace ${A} --nkey ${seedFile(A)}`,
    );
  });

  it("keeps the seeds it finds on a rerun, so adding a namespace locks nobody out", async () => {
    const before = seed(A);
    const again = mkdtempSync(join(tmpdir(), "troupe-ns-again-"));
    cleanups.push(async () => rmSync(again, { recursive: true, force: true }));
    writeFileSync(join(again, `${A}.nk`), before, { mode: 0o644 });
    const made = await runCli(["nats", "config", "--namespace", A, "--namespace", "tenant-c", "--out", again]);
    expect(made.code).toBe(0);
    expect(readFileSync(join(again, `${A}.nk`), "utf8").trim()).toBe(before);
    expect(statSync(join(again, `${A}.nk`)).mode & 0o777).toBe(0o600);
    expect(existsSync(join(again, "tenant-c.nk"))).toBe(true);
    expect(made.out.join("\n")).toMatch(/kept nkey user U\w+ of namespace "tenant-a"/);
  });

  it("refuses a command without a namespace, and several namespaces on other commands", async () => {
    expect((await runCli(["nats", "config"])).code).toBe(2);
    const two = await runCli(["agents", "--nats", nats.url, "--namespace", A, "--namespace", B]);
    expect(two.code).toBe(2);
    expect(two.err.join("\n")).toMatch(/takes one --namespace/);
  });
});

describe("tenant-a's credentials reach nothing of tenant-b's", () => {
  let tenantB: NatsBus;
  let bRequests = 0;
  let bQueue: RunQueue;

  beforeAll(async () => {
    // tenant-b is in business: an agent served, a registry entry, a run's events, a queued run
    tenantB = await bus(B);
    await tenantB.serve("agent.echo.invoke", async (payload) => {
      bRequests++;
      return payload;
    });
    const registration = await (
      await AgentRegistry.open(tenantB.connection, { namespace: B })
    ).register({ name: "echo", version: "1.0.0" });
    cleanups.push(() => registration.stop());
    await (
      await tenantB.eventLog()
    ).appendMessage("run-b", { type: "run.started", runId: "run-b", threadId: "thread-b" });
    bQueue = await RunQueue.open(tenantB.connection, { namespace: B });
    await bQueue.submit({ spec: { name: "secret" }, baseDir: "/", input: "tenant-b's order", threadId: "thread-b" });
  });

  it("a Troupe bus for tenant-b opened with tenant-a's credentials fails at connect with NATS_PERMISSION naming the subject and the fix", async () => {
    const error = await NatsBus.connect({ servers: nats.url, namespace: B, nkeySeed: seed(A) }).catch(
      (e: unknown) => e,
    );
    expect(isTroupeError(error, "NATS_PERMISSION")).toBe(true);
    expect((error as Error).message).toMatch(
      /denied these credentials to subscribe to "troupe\.tenant-b\.access-check".*namespace "tenant-b".*--nkey/,
    );
    const cli = await runCli(["agents", "--nats", nats.url, "--namespace", B, "--nkey", seedFile(A)]);
    expect(cli.code).toBe(1);
    expect(cli.err.join("\n")).toMatch(/\[NATS_PERMISSION\]/);
  });

  it("no credentials, or a key the server does not know, fail with NATS_AUTH", async () => {
    for (const options of [{}, { nkeySeed: "SUAJRT2JD3WZBAIJUOG3GOQ6VHXNJ3F7DNGO6EQD25RJGKVQS6PSFOY4UU" }]) {
      const error = await NatsBus.connect({ servers: nats.url, namespace: A, ...options }).catch((e: unknown) => e);
      expect(isTroupeError(error, "NATS_AUTH"), String(error)).toBe(true);
      expect((error as Error).message).toMatch(/refused the credentials.*troupe nats config/);
    }
  });

  it("invoking tenant-b's agent is refused", async () => {
    const nc = await raw(A);
    const error = await nc
      .request(`troupe.${B}.agent.echo.invoke`, JSON.stringify({ hi: 1 }), { timeout: 5000 })
      .catch((e: unknown) => e);
    expect((error as Error).cause ?? error).toBeInstanceOf(PermissionViolationError);
    expect(bRequests).toBe(0);
    expect(await tenantB.request("agent.echo.invoke", { hi: 2 }, { timeoutMs: 5000 })).toEqual({ hi: 2 });
  });

  it("subscribing to tenant-b's run events and agent requests is refused", async () => {
    const nc = await raw(A);
    for (const subject of [`troupe.${B}.run.*.events`, `troupe.${B}.agent.echo.invoke`, `troupe.${B}.>`, ">"]) {
      expect(await deniedSubscription(nc, subject), subject).toMatchObject({ operation: "subscription", subject });
    }
  });

  it("joining tenant-b's queue group is refused, and tenant-b's worker keeps answering every request", async () => {
    const nc = await raw(A);
    const denied = await deniedSubscription(nc, `troupe.${B}.agent.echo.invoke`, "agent.echo.invoke");
    expect(denied).toMatchObject({ operation: "subscription", queue: "agent.echo.invoke" });
    const before = bRequests;
    for (let i = 0; i < 5; i++) expect(await tenantB.request("agent.echo.invoke", i, { timeoutMs: 5000 })).toBe(i);
    expect(bRequests - before).toBe(5);
  });

  it("listing shows tenant-a's streams only; reading tenant-b's streams and KV bucket is refused", async () => {
    await bus(A); // creates tenant-a's event stream
    const nc = await raw(A);
    const jsm = await jetstreamManager(nc);
    const names: string[] = [];
    for await (const name of jsm.streams.names()) names.push(name);
    expect(names.some((n) => n.includes("TENANT_B") || n.includes("tenant-b"))).toBe(false);
    expect(names).toContain("TROUPE_TENANT-A_EVENTS");

    for (const stream of [
      "TROUPE_TENANT-B_RUNS",
      "TROUPE_TENANT-B_EVENTS",
      "TROUPE_TENANT-B_DLQ",
      `KV_troupe_${B}_agents`,
    ]) {
      const error = await jsm.streams.info(stream).catch((e: unknown) => e);
      expect((error as Error).cause, stream).toBeInstanceOf(PermissionViolationError);
      expect(await jsm.streams.getMessage(stream, { seq: 1 }).catch((e: unknown) => (e as Error).cause)).toBeInstanceOf(
        PermissionViolationError,
      );
    }
    const kvError = await new Kvm(nc)
      .open(`troupe_${B}_agents`)
      .then((kv) => kv.get("echo.x"))
      .catch((e: unknown) => e);
    expect((kvError as Error).cause).toBeInstanceOf(PermissionViolationError);

    // Troupe's own readers say which subject was denied and what to do
    for (const open of [
      () => RunQueue.open(nc, { namespace: B }),
      () => RunEventLog.open(nc, { namespace: B }),
      () => AgentRegistry.open(nc, { namespace: B }),
    ]) {
      const error = await open().catch((e: unknown) => e);
      expect(isTroupeError(error, "NATS_PERMISSION"), String(error)).toBe(true);
      expect((error as Error).message).toMatch(
        /denied these credentials to publish to "\$JS\.API\.STREAM\.INFO\.\S+tenant-b\S*".*namespace "tenant-b"/i,
      );
    }
  });

  it("submitting to tenant-b's run queue is refused and the queue is untouched", async () => {
    const nc = await raw(A);
    const depth = await bQueue.depth();
    const error = await jetstream(nc)
      .publish(`troupe.${B}.runs.submit`, JSON.stringify({ input: "order 1000 lamps" }), { timeout: 5000 })
      .catch((e: unknown) => e);
    expect((error as Error).cause).toBeInstanceOf(PermissionViolationError);
    expect(await bQueue.depth()).toBe(depth);
  });

  it("tenant-a's user may not even touch tenant-a-named resources outside its grants (no stream of another name)", async () => {
    const nc = await raw(A);
    const jsm = await jetstreamManager(nc);
    const error = await jsm.streams.add({ name: "SNEAKY", subjects: [`troupe.${A}.sneaky`] }).catch((e: unknown) => e);
    expect((error as Error).cause).toBeInstanceOf(PermissionViolationError);
    expect(namespacePermissions(A).subscribe).toEqual([`troupe.${A}.>`, "_INBOX.>"]);
  });
});

describe("a bus whose publish the server denies", () => {
  it("fails the request at once with NATS_PERMISSION instead of waiting for its timeout", async () => {
    const confDir = mkdtempSync(join(tmpdir(), "troupe-ns-deny-"));
    cleanups.push(async () => rmSync(confDir, { recursive: true, force: true }));
    const conf = join(confDir, "nats.conf");
    writeFileSync(
      conf,
      'authorization { users: [ { user: "u", password: "p", permissions: { publish: { allow: [">"], deny: ["troupe.x.agent.secret.invoke"] }, subscribe: { allow: [">"] } } } ] }\n',
    );
    const server = await startNatsServer({ configFile: conf });
    cleanups.push(() => server.stop());
    const b = await NatsBus.connect({ servers: server.url, namespace: "x", user: "u", pass: "p" });
    cleanups.push(() => b.close());
    const started = Date.now();
    const error = await b.request("agent.secret.invoke", {}, { timeoutMs: 30_000 }).catch((e: unknown) => e);
    expect(isTroupeError(error, "NATS_PERMISSION"), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/publish to "troupe\.x\.agent\.secret\.invoke"/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe("tenant-a's own flow works end to end with its credentials", () => {
  it("troupe worker + troupe orchestrator --remote-agents + troupe submit + troupe watch complete an order", async () => {
    const store = join(dir, "tenant-a.sqlite");
    const ledgerFile = join(dir, "ledger.jsonl");
    const creds = ["--nats", nats.url, "--namespace", A, "--nkey", seedFile(A)];
    const worker = spawnTroupe(
      ["worker", "--agents", AGENTS, "--store", store, ...creds],
      { ORDER_LEDGER: ledgerFile },
      children,
    );
    await worker.waitFor(/serves inventory, order_desk, payments, shipping in namespace "tenant-a"/);
    const orchestrator = spawnTroupe(
      ["orchestrator", "--store", store, "--remote-agents", "--allow-imports", join(ROOT, "examples"), ...creds],
      {},
      children,
    );
    await orchestrator.waitFor(/takes runs from TROUPE_TENANT-A_RUNS/);

    const agents = await runCli(["agents", ...creds, "--json"]);
    expect((JSON.parse(agents.out[0]!) as Array<{ name: string }>).map((e) => e.name)).toEqual([
      "inventory",
      "order_desk",
      "payments",
      "shipping",
    ]);
    const submitted = await runCli(["submit", SPEC, "--input", "Order 3 lamps to Berlin", "--thread", "a-1", ...creds]);
    expect(submitted.code, submitted.err.join("\n")).toBe(0);
    const watched = await runCli(["watch", "a-1", ...creds, "--json"]);
    expect(watched.code, watched.err.join("\n")).toBe(0);
    const events = watched.out.map((l) => JSON.parse(l) as TroupeEvent);
    expect(events.at(-1)).toMatchObject({ type: "run.completed", threadId: "a-1" });
    expect(
      readFileSync(ledgerFile, "utf8")
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { action: string }).action),
    ).toEqual(["reserve", "charge", "ship"]);

    // the same commands with tenant-a's key but tenant-b's name are refused, not queued elsewhere
    const sneaky = await runCli([
      "submit",
      SPEC,
      "--input",
      "Order 1 lamp",
      "--nats",
      nats.url,
      "--namespace",
      B,
      "--nkey",
      seedFile(A),
    ]);
    expect(sneaky.code).toBe(1);
    expect(sneaky.err.join("\n")).toMatch(
      /NATS denied these credentials .*"troupe\.tenant-b\.access-check".*\[NATS_PERMISSION\]/,
    );

    for (const child of [orchestrator, worker]) {
      child.child.kill("SIGTERM");
      expect(await child.exited).toBe(0);
    }
  });
});
