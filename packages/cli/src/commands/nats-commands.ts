import { randomUUID } from "node:crypto";
import { accessSync, constants, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Approvals, defaultLogger, ignored, type RunStream, type TroupeEvent } from "@troupe/core";
import {
  AgentRegistry,
  followThread,
  loadAgentModule,
  NatsBus,
  Orchestrator,
  RunQueue,
  submitRun,
  Worker,
  type NatsBusOptions,
  type RunEventLog,
} from "@troupe/nats";
import { loadTeam, readTeamSource, validateTeam } from "@troupe/patterns";
import { UsageError, type CliIO } from "../cli-io.js";
import { clip, formatEvent } from "../format-event.js";
import { isPostgresUrl, openStore } from "../open-store.js";
import { allowedImports, type ImportFlags } from "../allowed-imports.js";
import { parseTeamRef, registeredTeams } from "../registered-teams.js";
import { printRun, type RunOutputFlags } from "./run-command.js";
import { metricsAddress, startMetrics, type MetricsFlags } from "./metrics-flags.js";

export interface NatsFlags extends RunOutputFlags, ImportFlags, MetricsFlags {
  nats?: string | undefined;
  namespace?: string | undefined;
  /** File holding the namespace's nkey seed (what troupe nats config writes); overrides NATS_NKEY. */
  nkey?: string | undefined;
  /** A NATS .creds file (JWT + seed); overrides NATS_CREDS. */
  creds?: string | undefined;
  store?: string | undefined;
  model?: string | undefined;
  input?: string | undefined;
  thread?: string | undefined;
  agents?: string | undefined;
  "remote-agents"?: boolean | undefined;
  "ack-wait"?: string | undefined;
  "max-deliver"?: string | undefined;
  /** orchestrator: spec files to register; submit: one `<name>[@<version>]`. */
  team?: string[] | undefined;
}

/**
 * NATS connection options from `--nats` (comma-separated URLs, else NATS_URL), `--namespace` (else
 * TROUPE_NAMESPACE), `--nkey <file>` (else NATS_NKEY: a file holding an nkey seed, as `troupe nats
 * config` writes), `--creds <file>` (else NATS_CREDS: a .creds file) and the environment:
 * NATS_USER/NATS_PASSWORD, NATS_TOKEN, NATS_CA/NATS_CERT/NATS_KEY (TLS files), and TROUPE_REPLICAS
 * (replicas of the streams and buckets this process creates, in a cluster).
 *
 * @example
 * const bus = await NatsBus.connect(natsOptions({ nats: "nats://a:4222,nats://b:4222" }, io));
 */
export function natsOptions(flags: NatsFlags, io: CliIO, extra: Partial<NatsBusOptions> = {}): NatsBusOptions {
  const servers = (flags.nats ?? io.env.NATS_URL ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (!servers.length)
    throw new UsageError("this command needs --nats <url> (or NATS_URL), e.g. --nats nats://127.0.0.1:4222");
  const env = io.env;
  const nkey = flags.nkey ?? env.NATS_NKEY;
  const creds = flags.creds ?? env.NATS_CREDS;
  const tls =
    env.NATS_CA || env.NATS_CERT
      ? {
          ...(env.NATS_CA ? { caFile: env.NATS_CA } : {}),
          ...(env.NATS_CERT ? { certFile: env.NATS_CERT } : {}),
          ...(env.NATS_KEY ? { keyFile: env.NATS_KEY } : {}),
        }
      : undefined;
  return {
    servers,
    namespace: flags.namespace ?? env.TROUPE_NAMESPACE ?? "default",
    ...(env.NATS_USER ? { user: env.NATS_USER, pass: env.NATS_PASSWORD ?? "" } : {}),
    ...(env.NATS_TOKEN ? { token: env.NATS_TOKEN } : {}),
    ...(creds ? { credsFile: readable(creds, flags.creds ? "--creds" : "NATS_CREDS") } : {}),
    ...(nkey ? { nkeySeed: readFileSync(readable(nkey, flags.nkey ? "--nkey" : "NATS_NKEY"), "utf8").trim() } : {}),
    ...(tls ? { tls } : {}),
    ...(replicasOf(io) ? { eventLog: { replicas: replicasOf(io)! } } : {}),
    ...extra,
  };
}

/**
 * troupe worker --agents <module> --store <url>: serves the module's agents until SIGTERM/SIGINT,
 * then drains. The store is required: it is where approval decisions, recorded model answers and
 * tool results, and the saga journal live, shared with the orchestrators (or `troupe run --nats`).
 */
export async function workerCommand(flags: NatsFlags, io: CliIO): Promise<number> {
  if (!flags.agents)
    throw new UsageError("troupe worker needs --agents <module> (a JS module exporting defineAgent values)");
  if (!flags.store) {
    throw new UsageError(
      "troupe worker needs --store <url>: pass the store the orchestrators (or troupe run --nats) use, e.g. --store postgres://troupe@db/troupe; the worker reads approval decisions from it, records model answers and tool results there so a retried request repeats no side effect, and journals compensable tool calls there so a cancelled or failed run undoes them",
    );
  }
  const metricsAt = metricsAddress(flags);
  const agents = await loadAgentModule(flags.agents, io.cwd);
  const store = openStore(flags.store, io);
  const served = await startMetrics(metricsAt, io, "worker").catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const bus = await NatsBus.connect(natsOptions(flags, io, { durableEvents: true, name: "troupe-worker" })).catch(
    async (error: unknown) => {
      await store.close();
      await served?.server.close();
      throw error;
    },
  );
  try {
    const replicas = replicasOf(io);
    const worker = await Worker.start({
      bus,
      agents,
      store,
      env: io.env,
      ...(replicas ? { registry: { replicas } } : {}),
      onNotice: (m) => io.err(`note: ${m}`),
      ...(flags.model ? { model: flags.model } : {}),
      ...(served ? { interceptors: served.interceptors } : {}),
    });
    io.err(
      `worker ${worker.workerId} serves ${worker.agents.join(", ")} in namespace "${bus.namespace}" (SIGTERM drains)`,
    );
    const signal = await untilSignal();
    io.err(`${signal}: draining (finishing requests in flight)`);
    await worker.drain();
    return 0;
  } finally {
    await bus.close();
    await store.close();
    await served?.server.close();
  }
}

/**
 * troupe orchestrator --store postgres://... [--team <spec>]...: takes submitted runs until
 * SIGTERM/SIGINT, then stops gracefully. Each --team spec is validated before it connects.
 */
export async function orchestratorCommand(flags: NatsFlags, io: CliIO): Promise<number> {
  const metricsAt = metricsAddress(flags);
  const teams = await registeredTeams(flags.team ?? [], flags, io);
  if (!isPostgresUrl(flags.store))
    io.err(
      "note: without --store postgres://... the checkpoints stay on this machine; another orchestrator cannot resume its runs",
    );
  const store = openStore(flags.store, io);
  const served = await startMetrics(metricsAt, io, "orchestrator").catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const bus = await NatsBus.connect(natsOptions(flags, io, { durableEvents: true, name: "troupe-orchestrator" })).catch(
    async (error: unknown) => {
      await store.close();
      await served?.server.close();
      throw error;
    },
  );
  try {
    const orchestrator = await Orchestrator.start({
      bus,
      store,
      loadTeam,
      // only what the operator allowed: a submitted spec is not trusted to name code on this disk
      allowImports: allowedImports(undefined, flags, io),
      teams,
      serveAgents: !flags["remote-agents"],
      ...(replicasOf(io) ? { replicas: replicasOf(io)! } : {}),
      env: io.env,
      ...(flags.model ? { model: flags.model } : {}),
      ...(flags["ack-wait"] ? { ackWaitMs: positive(flags["ack-wait"], "--ack-wait") } : {}),
      ...(flags["max-deliver"] ? { maxDeliver: positive(flags["max-deliver"], "--max-deliver") } : {}),
      ...(served ? { interceptors: served.interceptors } : {}),
      onEvent: (event, request) => {
        served?.observe(event, request);
        const line = formatEvent(event);
        if (line) io.err(`${request.threadId.slice(0, 12)} ${line}`);
      },
      onLog: (line) => io.err(line),
      onNotice: once((m) => io.err(`note: ${m}`)),
    });
    served?.metrics.readFrom({
      runQueueLag: () => orchestrator.queue.lag(),
      deadRuns: () => orchestrator.queue.deadCount(),
      approvalsPending: async () => (await new Approvals(store.docs).pending()).length,
    });
    const allowed = allowedImports(undefined, flags, io);
    io.err(
      `orchestrator ${orchestrator.id} takes runs from ${orchestrator.queue.stream} (namespace "${bus.namespace}", store ${store.kind}; spec imports from ${allowed.length ? allowed.join(", ") : "nowhere (--allow-imports <dir> allows a directory)"}); SIGTERM stops it gracefully`,
    );
    for (const t of teams)
      io.err(
        `registered team ${t.name}@${t.version} (${t.source.file ?? t.source.baseDir}; imports from ${t.source.baseDir}): troupe submit --team ${t.name} --input "..."`,
      );
    const signal = await untilSignal();
    io.err(`${signal}: stopping (running runs finish or are handed over)`);
    await orchestrator.stop();
    return 0;
  } finally {
    await bus.close();
    await store.close();
    await served?.server.close();
  }
}

/**
 * troupe submit <spec> --input ...: validates the spec as `troupe run` would (sub-team files read and
 * inlined, imports loaded), queues the prepared spec, prints the thread id. With `--team
 * <name>[@<version>]` instead of a spec, queues a request naming a team the orchestrators
 * registered: no spec and no code paths leave this machine.
 */
export async function submitCommand(specPath: string | undefined, flags: NatsFlags, io: CliIO): Promise<number> {
  if (specPath && flags.team)
    throw new UsageError(
      `troupe submit takes a spec file or --team <name>, not both (got ${specPath} and --team ${flags.team.join(", ")})`,
    );
  if (!specPath && !flags.team)
    throw new UsageError(
      'troupe submit needs a spec file (troupe submit team.yaml --input "...") or --team <name>[@<version>] naming a team the orchestrators registered',
    );
  if ((flags.team?.length ?? 0) > 1)
    throw new UsageError(`troupe submit takes one --team (got ${flags.team!.join(", ")})`);
  if (!flags.input?.trim()) throw new UsageError('troupe submit needs --input "<what to ask the team>"');
  const what = await (async () => {
    if (flags.team) return { team: parseTeamRef(flags.team[0]!) };
    const source = readTeamSource(resolve(io.cwd, specPath!));
    await validateTeam(source, { allowImports: allowedImports(source.baseDir, flags, io) });
    return { spec: source.raw as Record<string, unknown>, baseDir: source.baseDir };
  })();
  const bus = await NatsBus.connect(natsOptions(flags, io, { name: "troupe-submit" }));
  try {
    const request = await submitRun(bus, {
      ...what,
      input: flags.input,
      ...(flags.thread ? { threadId: flags.thread } : {}),
    });
    io.out(request.threadId);
    const how = [
      flags.nats && `--nats ${flags.nats}`,
      flags.namespace && `--namespace ${flags.namespace}`,
      flags.nkey && `--nkey ${flags.nkey}`,
      flags.creds && `--creds ${flags.creds}`,
    ].filter(Boolean);
    io.err(`queued request ${request.requestId}; follow it with: troupe watch ${[request.threadId, ...how].join(" ")}`);
    return 0;
  } finally {
    await bus.close();
  }
}

/** troupe watch <thread>: the thread's events from the event log, across orchestrator failovers, until the run ends. */
export async function watchCommand(threadId: string, flags: NatsFlags, io: CliIO): Promise<number> {
  const bus = await NatsBus.connect(natsOptions(flags, io, { name: "troupe-watch" }));
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  let last: TroupeEvent | undefined;
  try {
    for await (const event of followThread(await bus.eventLog(), threadId, { signal: stop.signal })) {
      last = event;
      if (flags.json) io.out(JSON.stringify(event));
      else {
        const line = formatEvent(event);
        if (line) io.out(`${event.runId.slice(0, 8)} ${line}`);
      }
    }
    if (last?.type === "run.completed" && !flags.json)
      io.out(typeof last.output === "string" ? last.output : JSON.stringify(last.output, null, 2));
    return last && (last.type === "run.failed" || last.type === "run.cancelled") ? 1 : 0;
  } finally {
    process.removeListener("SIGINT", onSignal);
    await bus.close();
  }
}

/** troupe agents: the live agent registry of the namespace. */
export async function agentsCommand(flags: NatsFlags, io: CliIO): Promise<number> {
  const bus = await NatsBus.connect(natsOptions(flags, io, { name: "troupe-agents" }));
  try {
    const entries = await (await AgentRegistry.open(bus.connection, { namespace: bus.namespace })).list();
    if (flags.json) io.out(JSON.stringify(entries));
    else {
      if (!entries.length)
        io.err(`no agents registered in namespace "${bus.namespace}"; start one with troupe worker --agents <module>`);
      for (const e of entries)
        io.out(`${e.name.padEnd(20)}${e.workerId.padEnd(36)}v${e.version.padEnd(14)}${e.heartbeatAt}`);
    }
    return 0;
  } finally {
    await bus.close();
  }
}

/** troupe run <spec> --nats: runs here, calling agents that `troupe worker`s serve; events go to the JetStream log. */
export async function runOverNatsCommand(specPath: string, flags: NatsFlags, io: CliIO): Promise<number> {
  const bus = await NatsBus.connect(natsOptions(flags, io, { durableEvents: true, name: "troupe-run" }));
  try {
    const file = resolve(io.cwd, specPath);
    const team = await loadTeam(file, {
      store: openStore(flags.store, io),
      allowImports: allowedImports(dirname(file), flags, io),
      bus,
      serveAgents: false,
      env: io.env,
      onNotice: (m: string) => io.err(`note: ${m}`),
      ...(flags.model ? { model: flags.model } : {}),
    });
    try {
      const threadId = flags.thread ?? randomUUID();
      return await printRun(
        team,
        announced(team.stream(flags.input!, { threadId }), await bus.eventLog()),
        threadId,
        flags,
        io,
      );
    } finally {
      await team.close();
    }
  } finally {
    await bus.close();
  }
}

/** troupe dlq list|redrive <seq> --nats: the run requests that could not be run. */
export async function natsDlqCommand(
  action: "list" | "redrive",
  seq: string | undefined,
  flags: NatsFlags,
  io: CliIO,
): Promise<number> {
  const bus = await NatsBus.connect(natsOptions(flags, io, { name: "troupe-dlq" }));
  try {
    const queue = await RunQueue.open(bus.connection, { namespace: bus.namespace });
    if (action === "list") {
      const dead = await queue.deadRuns();
      if (flags.json) io.out(JSON.stringify(dead));
      else {
        if (!dead.length) io.err(`${queue.dlqStream} is empty`);
        for (const d of dead)
          io.out(
            `#${String(d.seq).padEnd(6)}${d.request.threadId.padEnd(38)}${d.code.padEnd(20)}${String(d.deliveries).padEnd(4)}${clip(d.reason, 80)}`,
          );
      }
      return 0;
    }
    const request = await queue.redrive(positive(seq ?? "", "the dead run number"));
    io.out(`redrove #${seq}: thread ${request.threadId} is queued again (troupe watch ${request.threadId})`);
    return 0;
  } finally {
    await bus.close();
  }
}

/** Announces the run on its thread when its first event arrives, so `troupe watch` finds it. */
function announced(run: RunStream, log: RunEventLog): RunStream {
  return {
    result: run.result,
    async *[Symbol.asyncIterator]() {
      let first = true;
      for await (const event of run) {
        if (first) {
          first = false;
          // an unannounced run still runs; only `troupe watch` cannot find it by thread
          await log
            .announce({ threadId: event.threadId, runId: event.runId, by: "cli" })
            .catch(ignored(defaultLogger(), "the run goes on; only troupe watch cannot find it by thread", "warn"));
        }
        yield event;
      }
    },
  };
}

/** The path, once it is known to be readable: a missing credentials file is a usage mistake, said plainly. */
function readable(path: string, what: string): string {
  try {
    accessSync(path, constants.R_OK);
    return path;
  } catch (error) {
    throw new UsageError(
      `${what} ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); pass the namespace's credentials file (troupe nats config prints where it wrote them)`,
    );
  }
}

function replicasOf(io: CliIO): number | undefined {
  const raw = io.env.TROUPE_REPLICAS;
  return raw ? positive(raw, "TROUPE_REPLICAS") : undefined;
}

function once(report: (message: string) => void): (message: string) => void {
  let told = false;
  return (message) => {
    if (!told) report(message);
    told = true;
  };
}

function positive(value: string, what: string): number {
  const n = Number(value.replace(/^#/, ""));
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${what} must be a positive whole number, got "${value}"`);
  return n;
}

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.removeListener("SIGTERM", on);
      process.removeListener("SIGINT", on);
      resolve(signal);
    };
    process.once("SIGTERM", on);
    process.once("SIGINT", on);
  });
}
