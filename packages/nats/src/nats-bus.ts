import { setMaxListeners } from "node:events";
import {
  AuthorizationError,
  connect,
  createInbox,
  headers,
  PermissionViolationError,
  UserAuthenticationExpiredError,
  type Msg,
  type NatsConnection,
  type Subscription as NatsSubscription,
} from "@nats-io/transport-node";
import {
  defaultLogger,
  logIgnored,
  toTroupeError,
  TroupeError,
  type Bus,
  type RequestOptions,
  type ServeContext,
  type Subscription,
} from "@troupe/core";
import {
  abortError,
  deadlineOf,
  decodeJson,
  DEADLINE_HEADER,
  encodeJson,
  errorReply,
  readReply,
  timerMs,
} from "./bus-wire.js";
import { natsConnectionOptions, type NatsConnectOptions } from "./connect-options.js";
import { natsFailure, permissionError } from "./nats-failure.js";
import { RunEventLog, type RunEventLogOptions } from "./run-event-log.js";
import { checkNamespace, runIdOfTopic, subjectOf } from "./subjects.js";

type Handler = (payload: unknown, ctx: ServeContext) => Promise<unknown>;

export interface NatsBusOptions extends NatsConnectOptions {
  /** Subjects live under `troupe.<namespace>.`; buses in different namespaces never meet (default "default"). */
  namespace?: string;
  /** Publish `run.<id>.events` through JetStream (stream TROUPE_<NS>_EVENTS) so runs can be read later. */
  durableEvents?: boolean;
  /** Event stream settings used when `durableEvents` is on or `eventLog()` is called. */
  eventLog?: Omit<RunEventLogOptions, "namespace">;
  /** Largest request this bus accepts as a server (default 1 MiB); bigger ones get a BUS_MESSAGE_INVALID reply. */
  maxMessageBytes?: number;
  /** Timeout of a request that gives none (default 5 minutes). */
  requestTimeoutMs?: number;
  /** Problems nobody awaits (a bad message on a topic, a failed reply); default: a process warning. */
  onError?: (error: TroupeError) => void;
}

/**
 * A {@link Bus} over NATS: services are queue-group subscriptions on `troupe.<ns>.<service>` (workers
 * of one service share the load), topics are plain subjects, payloads are JSON, the caller's deadline
 * travels in the `troupe-deadline` header, and errors come back typed.
 *
 * @example
 * const bus = await NatsBus.connect({ servers: "nats://127.0.0.1:4222", namespace: "prod" });
 * await serveAgent(bus, researcher, { model });           // in a worker process
 * const team = supervisor({ name: "research", lead, workers, bus, serveAgents: false });
 */
export class NatsBus implements Bus {
  readonly connection: NatsConnection;
  readonly namespace: string;
  private readonly options: NatsBusOptions;
  private readonly closing = new AbortController();
  private readonly inflight = new Set<Promise<void>>();
  private log: RunEventLog | undefined;
  /** Requests waiting for a reply, by subject: a publish the server denies fails them at once. */
  private readonly pending = new Map<string, Set<(error: TroupeError) => void>>();

  private constructor(connection: NatsConnection, namespace: string, options: NatsBusOptions) {
    this.connection = connection;
    this.namespace = namespace;
    this.options = options;
    // every pending request and running handler listens to it
    setMaxListeners(0, this.closing.signal);
    void this.watchDenials();
  }

  /**
   * Connects to NATS (reconnecting forever once connected) and checks that the credentials may use
   * the namespace's subjects. Rejects with AGENT_UNAVAILABLE when no server answers, NATS_AUTH when
   * the server refuses the credentials, NATS_PERMISSION when they belong to another namespace.
   */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const namespace = checkNamespace(options.namespace ?? "default");
    const where = [options.servers].flat().join(", ");
    let connection: NatsConnection;
    try {
      connection = await connect(natsConnectionOptions(options));
    } catch (error) {
      if (error instanceof AuthorizationError || error instanceof UserAuthenticationExpiredError)
        throw natsFailure(error, namespace, `connecting to NATS at ${where} for namespace "${namespace}"`);
      throw new TroupeError(
        "AGENT_UNAVAILABLE",
        `cannot connect to NATS at ${where}: ${(error as Error).message}; is nats-server running and reachable?`,
        { cause: error },
      );
    }
    const bus = new NatsBus(connection, namespace, options);
    try {
      await checkAccess(connection, namespace);
      if (options.durableEvents) await bus.eventLog();
    } catch (error) {
      await connection.close();
      throw error;
    }
    return bus;
  }

  /** The namespace's JetStream run-event log (created on first use). */
  async eventLog(): Promise<RunEventLog> {
    this.log ??= await RunEventLog.open(this.connection, { ...this.options.eventLog, namespace: this.namespace });
    return this.log;
  }

  async serve(service: string, handler: Handler): Promise<Subscription> {
    const subject = subjectOf(this.namespace, service);
    let denied: TroupeError | undefined;
    let subscribed = false;
    const sub = this.connection.subscribe(subject, {
      queue: service,
      callback: (error, msg) => {
        if (error) {
          denied = natsFailure(error, this.namespace, `serving ${service}`);
          // before the flush returns, serve() throws it; later (permissions reloaded) nobody awaits it
          return subscribed ? this.report(denied) : undefined;
        }
        const work = this.answer(service, msg, handler).finally(() => this.inflight.delete(work));
        this.inflight.add(work);
      },
    });
    // the server answers a denied subscription before the flush's PONG
    await this.connection.flush();
    subscribed = true;
    if (denied) throw denied;
    return { unsubscribe: () => this.drain(sub) };
  }

  async request(service: string, payload: unknown, options: RequestOptions = {}): Promise<unknown> {
    const subject = subjectOf(this.namespace, service);
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs ?? 300_000;
    const signals = [this.closing.signal, ...(options.signal ? [options.signal] : [])];
    const aborted = signals.find((s) => s.aborted);
    if (aborted) throw abortError(aborted.reason, service);
    const h = headers();
    h.set(DEADLINE_HEADER, String(Date.now() + timeoutMs));
    const data = encodeJson(payload);

    return new Promise((resolve, reject) => {
      let sub: NatsSubscription | undefined;
      let done = false;
      const onDenied = (error: TroupeError) => settle(error);
      const waiting = this.pending.get(subject) ?? new Set();
      this.pending.set(subject, waiting.add(onDenied));
      const forget = () => {
        waiting.delete(onDenied);
        if (!waiting.size && this.pending.get(subject) === waiting) this.pending.delete(subject);
      };
      const settle = (error: TroupeError | undefined, value?: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        for (const s of signals) s.removeEventListener("abort", onAbort);
        if (sub && !sub.isClosed() && !this.connection.isClosed()) sub.unsubscribe();
        forget();
        if (error) reject(error);
        else resolve(value);
      };
      const onAbort = (event: Event) => settle(abortError((event.target as AbortSignal).reason, service));
      const timer = setTimeout(
        () =>
          settle(
            new TroupeError("AGENT_TIMEOUT", `"${service}" did not answer within ${timeoutMs} ms`, {
              details: { timeoutMs },
            }),
          ),
        timerMs(timeoutMs),
      );
      for (const s of signals) s.addEventListener("abort", onAbort, { once: true });
      try {
        const inbox = createInbox();
        sub = this.connection.subscribe(inbox, {
          max: 1,
          callback: (error, msg) => settle(...readReply(service, this.namespace, error, msg)),
        });
        this.connection.publish(subject, data, { reply: inbox, headers: h });
      } catch (error) {
        settle(this.sendError(error, service));
      }
    });
  }

  async publish(topic: string, message: unknown): Promise<void> {
    const runId = this.options.durableEvents ? runIdOfTopic(topic) : undefined;
    if (runId !== undefined && this.log) {
      await this.log.appendMessage(runId, message);
      return;
    }
    try {
      this.connection.publish(subjectOf(this.namespace, topic), encodeJson(message));
    } catch (error) {
      throw this.sendError(error, topic);
    }
  }

  async subscribe(topic: string, handler: (message: unknown) => void): Promise<Subscription> {
    const runId = this.options.durableEvents ? runIdOfTopic(topic) : undefined;
    // a durable run's events are read back from its stream, so every subscriber sees them in the
    // order they were stored (a plain subscription can see two publishers' messages interleaved
    // differently from the stream, which orders them as it ingests them)
    if (runId !== undefined && this.log) return this.log.subscribe(runId, handler, (error) => this.report(error));
    let denied: TroupeError | undefined;
    let subscribed = false;
    const sub = this.connection.subscribe(subjectOf(this.namespace, topic), {
      callback: (error, msg) => {
        if (error instanceof PermissionViolationError) {
          denied = natsFailure(error, this.namespace, `subscribing to ${topic}`);
          return subscribed ? this.report(denied) : undefined;
        }
        try {
          if (error) throw error;
          handler(decodeJson(msg.data, `message on "${topic}"`));
        } catch (thrown) {
          this.report(toTroupeError(thrown, "INTERNAL", `subscriber of ${topic}`));
        }
      },
    });
    await this.connection.flush();
    subscribed = true;
    if (denied) throw denied;
    return { unsubscribe: () => (this.connection.isClosed() || sub.isClosed() ? undefined : sub.unsubscribe()) };
  }

  /** Aborts running handlers, lets them reply (up to 2 s), then drains and closes the connection. */
  async close(): Promise<void> {
    if (this.closing.signal.aborted) return this.connection.closed().then(() => undefined);
    this.closing.abort(new TroupeError("ABORTED", "bus closed"));
    const grace = new Promise((resolve) => setTimeout(resolve, 2000).unref());
    await Promise.race([Promise.allSettled([...this.inflight]), grace]);
    if (!this.connection.isClosed())
      await this.connection.drain().catch((error: unknown) => {
        logIgnored(defaultLogger(), error, "a connection that cannot drain is closed instead");
        return this.connection.close();
      });
  }

  /** Denied publishes come back only as a connection status: fail the requests waiting on that subject, report the rest. */
  private async watchDenials(): Promise<void> {
    for await (const status of this.connection.status()) {
      if (
        status.type !== "error" ||
        !(status.error instanceof PermissionViolationError) ||
        status.error.operation !== "publish"
      )
        continue;
      const violation = status.error;
      const waiting = this.pending.get(violation.subject);
      const error = permissionError(
        violation,
        this.namespace,
        waiting ? `requesting ${violation.subject}` : `publishing to ${violation.subject}`,
      );
      if (waiting) for (const fail of [...waiting]) fail(error);
      // JetStream requests reject on their own; only plain publishes need a report
      else if (violation.subject.startsWith("troupe.")) this.report(error);
    }
  }

  private async answer(service: string, msg: Msg, handler: Handler): Promise<void> {
    if (!msg.reply)
      return this.report(
        new TroupeError(
          "BUS_MESSAGE_INVALID",
          `a message on service "${service}" has no reply subject; use request(), not publish()`,
        ),
      );
    const limit = this.options.maxMessageBytes ?? 1024 * 1024;
    if (msg.data.length > limit) {
      return this.respond(
        msg,
        service,
        errorReply(
          new TroupeError(
            "BUS_MESSAGE_INVALID",
            `request to "${service}" is ${msg.data.length} bytes, over this worker's limit of ${limit} bytes (maxMessageBytes)`,
          ),
        ),
      );
    }
    const deadline = deadlineOf(msg.headers);
    const controller = new AbortController();
    const timer =
      deadline === undefined
        ? undefined
        : setTimeout(
            () =>
              controller.abort(
                new TroupeError("AGENT_TIMEOUT", `the caller's deadline (${new Date(deadline).toISOString()}) passed`),
              ),
            timerMs(deadline - Date.now()),
          );
    try {
      const payload = decodeJson(msg.data, `request to "${service}"`);
      if (deadline !== undefined && deadline <= Date.now())
        throw new TroupeError("AGENT_TIMEOUT", `request to "${service}" arrived after the caller's deadline`);
      const value = await handler(payload, { signal: AbortSignal.any([this.closing.signal, controller.signal]) });
      this.respond(msg, service, { data: encodeJson(value) });
    } catch (error) {
      this.respond(msg, service, errorReply(toTroupeError(error, "INTERNAL", `service ${service}`)));
    } finally {
      clearTimeout(timer);
    }
  }

  private respond(msg: Msg, service: string, reply: ReturnType<typeof errorReply> | { data: Uint8Array }): void {
    try {
      msg.respond(reply.data, "headers" in reply ? { headers: reply.headers } : undefined);
    } catch (error) {
      if (this.connection.isClosed()) return;
      const typed = this.sendError(error, service);
      if (typed.code === "BUS_MESSAGE_INVALID" && !("headers" in reply))
        return this.respond(msg, service, errorReply(typed));
      this.report(typed);
    }
  }

  /** Why a send failed: too big for the server, or the bus is closed. */
  private sendError(error: unknown, name: string): TroupeError {
    const text = error instanceof Error ? error.message : String(error);
    if (/max_payload/i.test(text)) {
      const max = this.connection.info?.max_payload;
      return new TroupeError(
        "BUS_MESSAGE_INVALID",
        `message for "${name}" is over the server's max_payload (${max} bytes)`,
        { cause: error },
      );
    }
    if (this.closing.signal.aborted || this.connection.isClosed())
      return new TroupeError("ABORTED", "bus closed", { cause: error });
    return toTroupeError(error, "INTERNAL", `sending to "${name}"`);
  }

  private async drain(sub: NatsSubscription): Promise<void> {
    if (this.connection.isClosed() || sub.isClosed()) return;
    await sub.drain().catch((error: unknown) => this.report(toTroupeError(error, "INTERNAL", "unsubscribing")));
  }

  private report(error: TroupeError): void {
    if (this.options.onError) this.options.onError(error);
    else process.emitWarning(error.message, { code: error.code });
  }
}

/**
 * Proves the credentials may subscribe and publish in the namespace: a subscription the server denies
 * is refused before the flush returns, a denied request is refused at once (instead of every later
 * call hanging until its timeout).
 */
async function checkAccess(connection: NatsConnection, namespace: string): Promise<void> {
  const subject = subjectOf(namespace, "access-check");
  const context = `checking access to namespace "${namespace}"`;
  let denied: unknown;
  const sub = connection.subscribe(subject, {
    callback: (error, msg) => {
      if (error) denied = error;
      else msg.respond();
    },
  });
  try {
    await connection.flush();
    if (denied) throw natsFailure(denied, namespace, context);
    await connection.request(subject, undefined, { timeout: 5000 }).catch((error: unknown) => {
      throw natsFailure(error, namespace, context, "AGENT_UNAVAILABLE");
    });
  } finally {
    if (!sub.isClosed() && !connection.isClosed()) sub.unsubscribe();
  }
}
