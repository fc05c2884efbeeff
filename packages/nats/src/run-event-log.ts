import { randomUUID } from "node:crypto";
import { jetstream, type Consumer, type JetStreamClient, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import {
  defaultLogger,
  ignored,
  runEventsTopic,
  toTroupeError,
  TroupeError,
  type Subscription,
  type TroupeEvent,
} from "@troupe/core";
import { z } from "zod";
import { decodeJson, decodeStored, encodeJson } from "./bus-wire.js";
import { ensureStream } from "./ensure-stream.js";
import { natsFailure } from "./nats-failure.js";
import { publishDurably } from "./publish-durably.js";
import {
  checkNamespace,
  checkThreadId,
  eventStreamName,
  runEventsWildcard,
  subjectOf,
  threadRunsSubject,
  threadRunsWildcard,
} from "./subjects.js";

export interface RunEventLogOptions {
  namespace?: string;
  /** How long runs' events are kept (default 7 days). */
  maxAgeMs?: number;
  /** Stream replicas in a cluster (default 1 when the stream is created; an existing stream keeps its own unless set). */
  replicas?: number;
  /** "file" (default) survives a server restart; "memory" does not. */
  storage?: "file" | "memory";
  /** How long an append keeps retrying through a failover before it gives up (default 30 s). */
  appendTimeoutMs?: number;
}

export interface FollowOptions {
  /** Stops following (the iteration ends quietly). */
  signal?: AbortSignal;
}

/** Which run worked on a thread: published when a run starts, so watchers can follow a thread across failovers. */
export interface RunAnnouncement {
  threadId: string;
  runId: string;
  /** The submitted request the run serves, when it came through the run queue. */
  requestId?: string;
  /** Who ran it (an orchestrator id, or "cli"). */
  by: string;
  at: string;
}

const RunAnnouncementSchema = z.object({
  threadId: z.string(),
  runId: z.string(),
  requestId: z.string().optional(),
  by: z.string(),
  at: z.string(),
}) satisfies z.ZodType<RunAnnouncement>;

/** After these a run's process stops reporting (until the thread is resumed, as a new run). */
export const TERMINAL_EVENT_TYPES: ReadonlySet<string> = new Set([
  "run.completed",
  "run.failed",
  "run.cancelled",
  "run.paused",
  "run.interrupted",
]);

/**
 * Runs' events in a JetStream stream (`TROUPE_<NS>_EVENTS` over `troupe.<ns>.run.*.events`, plus
 * `troupe.<ns>.thread.*.runs` announcements), so any client can read a run's history, in order,
 * after the fact or while it happens. Appends of one run are stored in the order they were made
 * and retried (deduplicated by message id) through a server failover.
 *
 * @example
 * const log = await RunEventLog.open(bus.connection, { namespace: "prod" });
 * for (const event of await log.read(runId)) console.log(event.type);
 */
export class RunEventLog {
  readonly stream: string;
  readonly namespace: string;
  private readonly js: JetStreamClient;
  private readonly appendTimeoutMs: number;
  private readonly chains = new Map<string, Promise<unknown>>();

  private constructor(js: JetStreamClient, namespace: string, appendTimeoutMs: number) {
    this.js = js;
    this.namespace = namespace;
    this.stream = eventStreamName(namespace);
    this.appendTimeoutMs = appendTimeoutMs;
  }

  /** Opens the namespace's event stream, creating it (or adding what it lacks) as needed. */
  static async open(connection: NatsConnection, options: RunEventLogOptions = {}): Promise<RunEventLog> {
    const namespace = checkNamespace(options.namespace ?? "default");
    await ensureStream(connection, {
      namespace,
      name: eventStreamName(namespace),
      subjects: [runEventsWildcard(namespace), threadRunsWildcard(namespace)],
      maxAgeMs: options.maxAgeMs ?? 7 * 24 * 3600_000,
      explicit: {
        ...(options.replicas ? { replicas: options.replicas } : {}),
        ...(options.maxAgeMs ? { maxAgeMs: options.maxAgeMs } : {}),
      },
      storage: options.storage ?? "file",
    });
    return new RunEventLog(jetstream(connection), namespace, options.appendTimeoutMs ?? 30_000);
  }

  /** Stores one event in its run's history once JetStream acknowledges it; returns its stream sequence. */
  append(event: TroupeEvent): Promise<number> {
    return this.appendMessage(event.runId, event);
  }

  /** Stores a message published on `run.<runId>.events` (what NatsBus does with `durableEvents`), after the run's earlier ones. */
  appendMessage(runId: string, message: unknown): Promise<number> {
    const subject = subjectOf(this.namespace, runEventsTopic(runId));
    const data = encodeJson(message);
    const previous = this.chains.get(runId) ?? Promise.resolve();
    const next = previous
      .catch(
        ignored(defaultLogger(), "an earlier event's failure went to its own caller; this one is stored regardless"),
      )
      .then(() => this.publish(subject, data, `storing an event of run ${runId}`));
    this.chains.set(runId, next);
    void next
      .finally(() => this.chains.get(runId) === next && this.chains.delete(runId))
      .catch(ignored(defaultLogger(), "the append's failure goes to its caller; this only tidies the chain"));
    return next;
  }

  /** Records that a run works on a thread (see {@link RunAnnouncement}). */
  announce(announcement: Omit<RunAnnouncement, "at">): Promise<number> {
    const subject = threadRunsSubject(this.namespace, checkThreadId(announcement.threadId));
    return this.publish(
      subject,
      encodeJson({ ...announcement, at: new Date().toISOString() }),
      `announcing run ${announcement.runId}`,
    );
  }

  /** The runs announced for a thread so far, oldest first. */
  async runsOf(threadId: string): Promise<RunAnnouncement[]> {
    return (await this.readSubject(threadRunsSubject(this.namespace, checkThreadId(threadId)))).map((m) =>
      decodeStored(RunAnnouncementSchema, m.data, `announcement #${m.seq}`),
    );
  }

  /** The thread's run announcements from the first, then live ones, until aborted. */
  async *followRuns(threadId: string, options: FollowOptions = {}): AsyncGenerator<RunAnnouncement> {
    for await (const msg of this.followSubject(threadRunsSubject(this.namespace, checkThreadId(threadId)), options)) {
      yield decodeStored(RunAnnouncementSchema, msg.data, `announcement #${msg.seq}`);
    }
  }

  /** The run's events stored so far, oldest first. */
  async read(runId: string): Promise<TroupeEvent[]> {
    return (await this.readSubject(this.subject(runId))).map(eventOf);
  }

  /** The run's events from the first, then live ones as they are stored; ends after a terminal event (run.completed, run.failed, run.paused...) or on abort. */
  async *follow(runId: string, options: FollowOptions = {}): AsyncGenerator<TroupeEvent> {
    for await (const msg of this.followSubject(this.subject(runId), options)) {
      const event = eventOf(msg);
      yield event;
      if (TERMINAL_EVENT_TYPES.has(event.type)) break;
    }
  }

  /**
   * Hands the run's events to `handler` in stored order, from the first one, as they are stored,
   * until unsubscribed; a failure (a bad message, a lost stream) goes to `onError`.
   */
  async subscribe(
    runId: string,
    handler: (event: TroupeEvent) => void,
    onError: (error: TroupeError) => void,
  ): Promise<Subscription> {
    const consumer = await this.consumer(this.subject(runId));
    const messages = await consumer.consume();
    const pumped = (async () => {
      for await (const msg of messages) {
        try {
          handler(eventOf(msg));
        } catch (error) {
          onError(toTroupeError(error, "INTERNAL", `subscriber of run ${runId}'s events`));
        }
      }
    })().catch((error: unknown) =>
      onError(toTroupeError(error, "AGENT_UNAVAILABLE", `following run ${runId}'s events`)),
    );
    return {
      unsubscribe: async () => {
        messages.stop();
        await pumped;
        // the consumer is ephemeral: the server removes it once it is idle; deleting it now is tidier
        await consumer.delete().catch(ignored(defaultLogger(), "an ephemeral consumer left behind expires on its own"));
      },
    };
  }

  private async publish(subject: string, data: Uint8Array, what: string): Promise<number> {
    return publishDurably(this.js, subject, data, {
      namespace: this.namespace,
      msgID: randomUUID(),
      timeoutMs: this.appendTimeoutMs,
      what,
    });
  }

  private async readSubject(subject: string): Promise<JsMsg[]> {
    const consumer = await this.consumer(subject);
    try {
      const { num_pending } = await consumer.info(true);
      const messages: JsMsg[] = [];
      if (num_pending === 0) return messages;
      const iterator = await consumer.consume();
      for await (const msg of iterator) {
        messages.push(msg);
        if (msg.info.pending === 0) break;
      }
      iterator.stop();
      return messages;
    } finally {
      await consumer.delete().catch(ignored(defaultLogger(), "an ephemeral consumer left behind expires on its own"));
    }
  }

  private async *followSubject(subject: string, options: FollowOptions): AsyncGenerator<JsMsg> {
    if (options.signal?.aborted) return;
    const consumer = await this.consumer(subject);
    const messages = await consumer.consume();
    const stop = () => messages.stop();
    options.signal?.addEventListener("abort", stop, { once: true });
    try {
      for await (const msg of messages) yield msg;
    } finally {
      options.signal?.removeEventListener("abort", stop);
      messages.stop();
      await consumer.delete().catch(ignored(defaultLogger(), "an ephemeral consumer left behind expires on its own"));
    }
  }

  private subject(runId: string): string {
    return subjectOf(this.namespace, runEventsTopic(runId));
  }

  private consumer(subject: string): Promise<Consumer> {
    return this.js.consumers.get(this.stream, { filter_subjects: subject }).catch((error: unknown) => {
      throw natsFailure(error, this.namespace, `reading ${subject} from ${this.stream}`);
    });
  }
}

function eventOf(msg: JsMsg): TroupeEvent {
  const value = decodeJson(msg.data, `event #${msg.seq} on ${msg.subject}`) as Partial<TroupeEvent> | null;
  if (!value || typeof value !== "object" || typeof value.type !== "string") {
    throw new TroupeError(
      "BUS_MESSAGE_INVALID",
      `event #${msg.seq} on ${msg.subject} is not a Troupe event (no "type")`,
    );
  }
  return value as TroupeEvent;
}
