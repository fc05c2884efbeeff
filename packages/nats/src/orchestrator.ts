import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { JsMsg } from "@nats-io/jetstream";
import { context } from "@opentelemetry/api";
import {
  checkImports,
  defaultLogger,
  ignored,
  leaseSettings,
  toTroupeError,
  TroupeError,
  type BuildOptions,
  type LeaseSettings,
  type Logger,
  type SpecSource,
  type Team,
  type TeamStore,
  type TroupeEvent,
} from "@troupe/core";
import { decodeJson } from "./bus-wire.js";
import type { NatsBus } from "./nats-bus.js";
import { isRetryableFailure } from "./retryable-failure.js";
import { RunQueue, type ConsumerSettings, type RunQueueOptions } from "./run-queue.js";
import { RunRequestSchema, type RunRequest } from "./run-request.js";
import { runSubmitted, type SubmittedOutcome } from "./run-submitted.js";
import { TeamRegistry, type RegisteredTeam } from "./team-registry.js";
import { traceContextOf } from "./trace-headers.js";

/**
 * Builds a team from a submitted spec: `loadTeam` from @troupe/patterns (every built-in pattern,
 * hierarchical sub-teams included), or a wrapper of it that adds your own patterns.
 */
export type TeamLoader = (source: SpecSource, options: Omit<BuildOptions, "patterns">) => Promise<Team>;

export interface OrchestratorOptions extends ConsumerSettings, Pick<RunQueueOptions, "replicas"> {
  /** Where run events go (use `durableEvents: true`) and agents are called. */
  bus: NatsBus;
  /** Shared by every orchestrator (postgresStore), so any of them can resume any run. Not closed by `stop()`. */
  store: TeamStore;
  /**
   * Builds each submitted run's team: pass `loadTeam` from @troupe/patterns, the loader `troupe run`
   * uses, so every spec that runs locally runs here the same way.
   */
  loadTeam: TeamLoader;
  /**
   * Directories a submitted spec's `imports:` may load modules from (and below). Default: none, so
   * a run request can never make this process execute code from elsewhere on its disk; a spec
   * importing anything else is dead-lettered with IMPORT_NOT_ALLOWED before any import.
   */
  allowImports?: readonly string[];
  /**
   * Teams a request may name (`team: { name, version? }`) instead of carrying a spec, one version
   * per name; each may import from its own directory, which the operator chose by registering it.
   * A request naming any other team (or version) is dead-lettered at once with TEAM_UNKNOWN.
   */
  teams?: readonly RegisteredTeam[];
  /** Serve the teams' agents from this process (default true); false when `troupe worker`s host them. */
  serveAgents?: boolean;
  /** Model choices, as for loadTeam. */
  model?: BuildOptions["model"];
  models?: BuildOptions["models"];
  env?: BuildOptions["env"];
  /** Thread lease timing (default: TROUPE_LEASE_TTL_MS, else 15 s); a run left by a dead orchestrator on another machine is taken over once its lease lapses. */
  lease?: Partial<LeaseSettings>;
  /** Told once per team when the offline model stands in for Claude. */
  onNotice?: (message: string) => void;
  /** Your interceptors, around every agent, model, tool and compensation call of the runs it consumes. */
  interceptors?: BuildOptions["interceptors"];
  /** Delay before a failed delivery is tried again, by attempt (default 1 s, 5 s, 15 s; the last repeats). */
  backoffMs?: number[];
  /** Runs at once (default 1). */
  concurrency?: number;
  /** On stop, how long running runs may take to finish before they are paused and handed to another orchestrator (default 30 s). */
  drainTimeoutMs?: number;
  id?: string;
  onEvent?: (event: TroupeEvent, request: RunRequest) => void;
  /** One line per thing worth telling an operator (runs taken, retried, dead-lettered). */
  onLog?: (line: string) => void;
  /** Where it logs (default `defaultLogger()`): the onLog lines with `orchestrator`, and each run's team logs. */
  logger?: Logger;
}

interface ActiveRequest {
  request: RunRequest;
  team?: Team;
  handingOff: boolean;
}

/**
 * Takes submitted runs from the namespace's JetStream queue and runs them: heartbeats the message
 * while the run works, acks it when the run settles, naks it with backoff on infrastructure
 * trouble, dead-letters it after `maxDeliver` deliveries, and resumes a run from its PostgreSQL
 * checkpoint when the orchestrator that had it died.
 *
 * @example
 * const orchestrator = await Orchestrator.start({ bus, store: postgresStore(url), loadTeam });
 * process.on("SIGTERM", () => void orchestrator.stop());
 */
export class Orchestrator {
  readonly id: string;
  readonly queue: RunQueue;
  /** The teams requests may name. */
  readonly teams: TeamRegistry;
  private readonly options: OrchestratorOptions;
  private readonly logger: Logger;
  private readonly active = new Map<string, ActiveRequest>();
  private readonly loops: Promise<void>[] = [];
  private stopping = false;
  private stopped: Promise<void> | undefined;

  private constructor(queue: RunQueue, teams: TeamRegistry, options: OrchestratorOptions) {
    this.queue = queue;
    this.teams = teams;
    this.options = options;
    this.id = options.id ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 6)}`;
    this.logger = (options.logger ?? defaultLogger()).child({ orchestrator: this.id });
  }

  /** Opens the queue, sets up the shared consumer and starts taking runs. */
  static async start(options: OrchestratorOptions): Promise<Orchestrator> {
    const teams = new TeamRegistry(options.teams);
    const queue = await RunQueue.open(options.bus.connection, {
      namespace: options.bus.namespace,
      ...(options.replicas ? { replicas: options.replicas } : {}),
    });
    await queue.ensureConsumer(options);
    const orchestrator = new Orchestrator(queue, teams, options);
    for (let i = 0; i < Math.max(1, options.concurrency ?? 1); i++) orchestrator.loops.push(orchestrator.loop());
    return orchestrator;
  }

  /** Requests being run right now. */
  running(): RunRequest[] {
    return [...this.active.values()].map((a) => a.request);
  }

  /** Stops taking runs, lets running ones finish (up to drainTimeoutMs), then pauses the rest and hands them to another orchestrator. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      const finished = Promise.all(this.loops);
      const timeout = sleep(this.options.drainTimeoutMs ?? 30_000, "timeout" as const, { ref: false });
      if ((await Promise.race([finished, timeout])) === "timeout") {
        for (const run of this.active.values()) {
          run.handingOff = true;
          await run.team?.pause(run.request.threadId);
        }
        await finished;
      }
    })();
    return this.stopped;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let msg: JsMsg | null;
      try {
        msg = await this.queue.next(2000);
      } catch (error) {
        this.log(`cannot pull run requests: ${toTroupeError(error).message}; retrying`, "warn");
        await sleep(1000);
        continue;
      }
      if (!msg) continue;
      if (this.stopping) {
        msg.nak();
        break;
      }
      await this.handle(msg);
    }
  }

  private async handle(msg: JsMsg): Promise<void> {
    const deliveries = msg.info.deliveryCount;
    const maxDeliver = this.options.maxDeliver ?? 3;
    const heartbeat = setInterval(
      () => msg.working(),
      Math.max(200, Math.floor((this.options.ackWaitMs ?? 30_000) / 3)),
    );
    let request: RunRequest | undefined;
    try {
      if (deliveries > maxDeliver) {
        throw new TroupeError(
          "INTERNAL",
          `delivered ${deliveries - 1} times without being acked (the orchestrators that took it crashed or stalled); not trying again`,
        );
      }
      const parsed = RunRequestSchema.safeParse(decodeJson(msg.data, `run request #${msg.seq}`));
      if (!parsed.success)
        throw new TroupeError(
          "BUS_MESSAGE_INVALID",
          `run request #${msg.seq} is malformed: ${parsed.error.issues[0]?.message ?? "invalid"}`,
        );
      request = parsed.data;
      const named =
        "team" in request ? `team ${request.team.name}${request.team.version ? `@${request.team.version}` : ""}, ` : "";
      this.log(`thread ${request.threadId}: taking request ${request.requestId} (${named}delivery ${deliveries})`);
      const submitted = request;
      // the run continues the submitter's trace (traceparent in the request's headers)
      const outcome = await context.with(traceContextOf(msg.headers), () => this.execute(submitted));
      await this.settle(msg, request, outcome, deliveries, maxDeliver);
    } catch (error) {
      const typed = toTroupeError(error, "INTERNAL", "running a submitted run");
      if (deliveries < maxDeliver && isRetryableFailure(error)) {
        this.retry(msg, request, typed.message, deliveries);
      } else {
        await this.deadLetter(msg, request, typed, deliveries);
      }
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async settle(
    msg: JsMsg,
    request: RunRequest,
    outcome: SubmittedOutcome,
    deliveries: number,
    maxDeliver: number,
  ): Promise<void> {
    if (outcome.kind === "settled") {
      await msg.ackAck();
      this.log(`thread ${request.threadId}: ${outcome.state}`);
    } else if (outcome.kind === "handed-off") {
      msg.nak();
      this.log(`thread ${request.threadId}: paused and handed to another orchestrator`);
    } else if (deliveries < maxDeliver) {
      this.retry(msg, request, outcome.error.message, deliveries);
    } else {
      await this.deadLetter(msg, request, TroupeError.fromInfo(outcome.error), deliveries);
    }
  }

  private async execute(request: RunRequest): Promise<SubmittedOutcome> {
    const { bus, store } = this.options;
    const active: ActiveRequest = { request, handingOff: false };
    this.active.set(request.requestId, active);
    try {
      const { source, allowImports } = this.sourceOf(request);
      // checked here too, so a custom loader that drops the option still imports nothing unallowed
      const imports = (source.raw as { imports?: unknown }).imports;
      if (Array.isArray(imports)) checkImports(imports, source.baseDir, allowImports);
      // the team must not close the shared store
      const shared: TeamStore = {
        kind: store.kind,
        checkpointer: store.checkpointer,
        records: store.records,
        threads: store.threads,
        docs: store.docs,
        leases: store.leases,
        events: store.events,
        close: async () => undefined,
      };
      active.team = await this.options.loadTeam(source, {
        store: shared,
        bus,
        serveAgents: this.options.serveAgents ?? true,
        allowImports,
        ...(this.options.model ? { model: this.options.model } : {}),
        ...(this.options.models ? { models: this.options.models } : {}),
        ...(this.options.env ? { env: this.options.env } : {}),
        ...(this.options.onNotice ? { onNotice: this.options.onNotice } : {}),
        ...(this.options.lease ? { lease: this.options.lease } : {}),
        ...(this.options.interceptors ? { interceptors: this.options.interceptors } : {}),
        logger: this.logger,
      });
      const onEvent = this.options.onEvent;
      return await runSubmitted(
        {
          team: active.team,
          store,
          log: await bus.eventLog(),
          orchestratorId: this.id,
          handingOff: () => active.handingOff,
          leaseWaitMs: leaseSettings(this.options.lease, this.options.env ?? process.env).ttlMs + 1000,
          ...(onEvent ? { onEvent: (e: TroupeEvent) => onEvent(e, request) } : {}),
        },
        request,
      );
    } finally {
      this.active.delete(request.requestId);
      await active.team
        ?.close()
        .catch(ignored(this.logger, "the run is settled; a team that fails to close holds nothing the next run needs"));
    }
  }

  /** The spec to build: the registered team a request names (its own directory may hold imports), else the request's spec. */
  private sourceOf(request: RunRequest): { source: SpecSource; allowImports: readonly string[] } {
    const allowImports = this.options.allowImports ?? [];
    if ("team" in request) {
      const registered = this.teams.resolve(request.team);
      return { source: registered.source, allowImports: [registered.source.baseDir, ...allowImports] };
    }
    return { source: { raw: request.spec, baseDir: request.baseDir }, allowImports };
  }

  private retry(msg: JsMsg, request: RunRequest | undefined, reason: string, deliveries: number): void {
    const backoff = this.options.backoffMs ?? [1000, 5000, 15_000];
    const delay = backoff[Math.min(deliveries - 1, backoff.length - 1)] ?? 1000;
    msg.nak(delay);
    this.log(
      `${request ? `thread ${request.threadId}` : `request #${msg.seq}`}: attempt ${deliveries} failed (${reason}); retrying in ${delay} ms`,
      "warn",
    );
  }

  private async deadLetter(
    msg: JsMsg,
    request: RunRequest | undefined,
    error: TroupeError,
    deliveries: number,
  ): Promise<void> {
    try {
      await this.queue.deadLetter(msg, error);
      this.log(
        `${request ? `thread ${request.threadId}` : `request #${msg.seq}`}: dead-lettered after ${deliveries} deliveries: ${error.message}`,
        "warn",
      );
    } catch (failure) {
      msg.nak(1000);
      this.log(
        `could not dead-letter request #${msg.seq} (${toTroupeError(failure).message}); it will be delivered again`,
        "error",
      );
    }
  }

  private log(line: string, level: "info" | "warn" | "error" = "info"): void {
    this.options.onLog?.(`[${this.id}] ${line}`);
    this.logger[level](line);
  }
}
