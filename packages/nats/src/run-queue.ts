import { randomUUID } from "node:crypto";
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  JetStreamApiCodes,
  JetStreamApiError,
  type Consumer,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { headers, nanos, type NatsConnection } from "@nats-io/transport-node";
import { defaultLogger, formatZodIssues, ignored, logIgnored, toTroupeError, TroupeError } from "@troupe/core";
import { decodeJson, encodeJson } from "./bus-wire.js";
import { ensureStream } from "./ensure-stream.js";
import { publishDurably } from "./publish-durably.js";
import { DLQ_HEADERS, RunRequestSchema, type DeadRun, type RunRequest, type TeamRef } from "./run-request.js";
import {
  checkNamespace,
  checkThreadId,
  runDlqStreamName,
  runDlqSubject,
  runQueueStreamName,
  runSubmitSubject,
} from "./subjects.js";
import { withTrace } from "./trace-headers.js";

export interface RunQueueOptions {
  namespace?: string;
  /** Stream replicas in a cluster (default 1 when created; an existing stream keeps its own unless set). */
  replicas?: number;
  /** How long dead-lettered requests are kept (default 30 days). */
  dlqMaxAgeMs?: number;
}

export interface ConsumerSettings {
  /** A delivery not acked (nor heartbeated with `working()`) within this long goes to another orchestrator (default 30 s). */
  ackWaitMs?: number;
  /** Deliveries before a request is dead-lettered (default 3). */
  maxDeliver?: number;
}

interface SubmitCommon {
  input: string;
  /** Continue (or start) this thread; a new id is made when absent. */
  threadId?: string;
  /** Resubmitting the same id within the stream's duplicate window (2 min) is a no-op. */
  requestId?: string;
}

/**
 * What to submit: the message and the thread, and either a spec value (validated by the
 * orchestrator again) with its import directory, or `team`, a team the orchestrators registered
 * at start (`troupe orchestrator --team <spec>`), named by name and optionally version.
 */
export type SubmitRunInput = SubmitCommon &
  ({ spec: Record<string, unknown>; baseDir: string; team?: never } | { team: TeamRef; spec?: never; baseDir?: never });

/** The durable pull consumer every orchestrator of a namespace shares. */
export const ORCHESTRATORS_CONSUMER = "orchestrators";

/**
 * The namespace's run queue on JetStream: stream `TROUPE_<NS>_RUNS` (work-queue retention) on
 * `troupe.<ns>.runs.submit`, consumed by the durable pull consumer "orchestrators" with explicit
 * acks; requests that cannot be run land in `TROUPE_<NS>_DLQ` on `troupe.<ns>.runs.dlq`.
 *
 * @example
 * const queue = await RunQueue.open(bus.connection, { namespace: "prod" });
 * const request = await queue.submit({ spec, baseDir, input: "Order 3 lamps to Berlin" });
 * for (const dead of await queue.deadRuns()) await queue.redrive(dead.seq);
 */
export class RunQueue {
  readonly namespace: string;
  readonly stream: string;
  readonly dlqStream: string;
  private readonly js: JetStreamClient;
  private readonly jsm: JetStreamManager;
  private consumer: Promise<Consumer> | undefined;

  private constructor(js: JetStreamClient, jsm: JetStreamManager, namespace: string) {
    this.js = js;
    this.jsm = jsm;
    this.namespace = namespace;
    this.stream = runQueueStreamName(namespace);
    this.dlqStream = runDlqStreamName(namespace);
  }

  /** Opens (creating as needed) the queue and dead-letter streams of a namespace. */
  static async open(connection: NatsConnection, options: RunQueueOptions = {}): Promise<RunQueue> {
    const namespace = checkNamespace(options.namespace ?? "default");
    const explicit = options.replicas ? { replicas: options.replicas } : {};
    await ensureStream(connection, {
      namespace,
      name: runQueueStreamName(namespace),
      subjects: [runSubmitSubject(namespace)],
      maxAgeMs: 7 * 24 * 3600_000,
      storage: "file",
      retention: "workqueue",
      explicit,
    });
    await ensureStream(connection, {
      namespace,
      name: runDlqStreamName(namespace),
      subjects: [runDlqSubject(namespace)],
      maxAgeMs: options.dlqMaxAgeMs ?? 30 * 24 * 3600_000,
      storage: "file",
      explicit,
    });
    return new RunQueue(jetstream(connection), await jetstreamManager(connection), namespace);
  }

  /** Queues a run; resolves once JetStream stored it. */
  async submit(input: SubmitRunInput): Promise<RunRequest> {
    const parsed = RunRequestSchema.safeParse({
      requestId: input.requestId ?? randomUUID(),
      threadId: checkThreadId(input.threadId ?? randomUUID()),
      input: input.input,
      ...(input.team ? { team: input.team } : { spec: input.spec, baseDir: input.baseDir }),
      submittedAt: new Date().toISOString(),
    });
    if (!parsed.success) throw new TroupeError("INPUT_INVALID", `bad run request: ${formatZodIssues(parsed.error)}`);
    const request = parsed.data;
    await publishDurably(this.js, runSubmitSubject(this.namespace), encodeJson(request), {
      namespace: this.namespace,
      msgID: request.requestId,
      timeoutMs: 30_000,
      what: `submitting a run of thread ${request.threadId}`,
      // the orchestrator that takes it continues the submitter's trace
      headers: withTrace(headers()),
    });
    return request;
  }

  /** Creates the shared consumer, or changes its ack wait and deliveries to these. */
  async ensureConsumer(settings: ConsumerSettings = {}): Promise<void> {
    const ackWait = nanos(settings.ackWaitMs ?? 30_000);
    // one delivery more than allowed: the one on which an orchestrator sees the count and dead-letters it
    const maxDeliver = (settings.maxDeliver ?? 3) + 1;
    try {
      const existing = await this.jsm.consumers.info(this.stream, ORCHESTRATORS_CONSUMER).catch((error: unknown) => {
        if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound) return undefined;
        throw error;
      });
      if (!existing) {
        await this.jsm.consumers.add(this.stream, {
          durable_name: ORCHESTRATORS_CONSUMER,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ack_wait: ackWait,
          max_deliver: maxDeliver,
        });
      } else if (existing.config.ack_wait !== ackWait || existing.config.max_deliver !== maxDeliver) {
        await this.jsm.consumers.update(this.stream, ORCHESTRATORS_CONSUMER, {
          ack_wait: ackWait,
          max_deliver: maxDeliver,
        });
      }
    } catch (error) {
      throw toTroupeError(error, "INTERNAL", `setting up consumer ${ORCHESTRATORS_CONSUMER} on ${this.stream}`);
    }
  }

  /** Pulls the next request for this orchestrator, or null when none came within `expiresMs`. */
  async next(expiresMs: number): Promise<JsMsg | null> {
    this.consumer ??= this.js.consumers.get(this.stream, ORCHESTRATORS_CONSUMER);
    try {
      return await (await this.consumer).next({ expires: Math.max(1000, expiresMs) });
    } catch (error) {
      this.consumer = undefined; // looked up afresh next time (it may have been recreated)
      throw error;
    }
  }

  /** Moves a delivered request to the dead-letter stream with the reason, then removes it from the queue. */
  async deadLetter(msg: JsMsg, error: TroupeError): Promise<void> {
    const h = headers();
    h.set(DLQ_HEADERS.reason, error.message.replace(/[\r\n]+/g, " ").slice(0, 1000));
    h.set(DLQ_HEADERS.code, error.code);
    h.set(DLQ_HEADERS.deliveries, String(msg.info.deliveryCount));
    await publishDurably(this.js, runDlqSubject(this.namespace), msg.data, {
      namespace: this.namespace,
      msgID: `${this.stream}:${msg.seq}:dlq`,
      timeoutMs: 30_000,
      what: "dead-lettering a run request",
      headers: h,
    });
    await msg.ackAck();
  }

  /** The dead-lettered requests, oldest first. */
  async deadRuns(): Promise<DeadRun[]> {
    const consumer = await this.js.consumers.get(this.dlqStream);
    try {
      const { num_pending } = await consumer.info(true);
      const dead: DeadRun[] = [];
      if (num_pending === 0) return dead;
      const messages = await consumer.consume();
      for await (const msg of messages) {
        dead.push({
          seq: msg.seq,
          request: RunRequestSchema.parse(decodeJson(msg.data, `dead run #${msg.seq}`)),
          reason: msg.headers?.get(DLQ_HEADERS.reason) ?? "",
          code: msg.headers?.get(DLQ_HEADERS.code) ?? "INTERNAL",
          deliveries: Number(msg.headers?.get(DLQ_HEADERS.deliveries) ?? 0),
          at: msg.time.toISOString(),
        });
        if (msg.info.pending === 0) break;
      }
      messages.stop();
      return dead;
    } finally {
      await consumer.delete().catch(ignored(defaultLogger(), "an ephemeral consumer left behind expires on its own"));
    }
  }

  /** Queues a dead-lettered request again (same request id: an orchestrator resumes what it began) and removes it from the DLQ. */
  async redrive(seq: number): Promise<RunRequest> {
    const stored = await this.jsm.streams.getMessage(this.dlqStream, { seq }).catch((error: unknown) => {
      logIgnored(defaultLogger(), error, `no dead run #${seq} to read: reported as DEAD_LETTER_UNKNOWN`);
      return null;
    });
    if (!stored)
      throw new TroupeError(
        "DEAD_LETTER_UNKNOWN",
        `no dead run #${seq} in ${this.dlqStream}; list them with troupe dlq list --nats <url>`,
      );
    const request = RunRequestSchema.parse(decodeJson(stored.data, `dead run #${seq}`));
    await publishDurably(this.js, runSubmitSubject(this.namespace), stored.data, {
      namespace: this.namespace,
      msgID: `${request.requestId}:redrive:${seq}`,
      timeoutMs: 30_000,
      what: `redriving run request #${seq}`,
    });
    await this.discard(seq);
    return request;
  }

  /** Deletes a dead-lettered request. */
  async discard(seq: number): Promise<void> {
    const deleted = await this.jsm.streams.deleteMessage(this.dlqStream, seq).catch((error: unknown) => {
      logIgnored(defaultLogger(), error, `no dead run #${seq} to delete: reported as DEAD_LETTER_UNKNOWN`);
      return false;
    });
    if (!deleted) throw new TroupeError("DEAD_LETTER_UNKNOWN", `no dead run #${seq} in ${this.dlqStream}`);
  }

  /** Requests not yet delivered to any orchestrator: the shared consumer's `num_pending` (its lag). */
  async lag(): Promise<number> {
    return (await this.jsm.consumers.info(this.stream, ORCHESTRATORS_CONSUMER)).num_pending;
  }

  /** Requests in the dead-letter stream. */
  async deadCount(): Promise<number> {
    return (await this.jsm.streams.info(this.dlqStream)).state.messages;
  }

  /** Requests waiting in the queue or being worked on. */
  async depth(): Promise<number> {
    return (await this.jsm.streams.info(this.stream)).state.messages;
  }
}
