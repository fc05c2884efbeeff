import { jetstream, jetstreamManager, JetStreamApiCodes, JetStreamApiError, StorageType, type Consumer, type JetStreamClient, type JsMsg, type StreamConfig } from "@nats-io/jetstream";
import { nanos, type NatsConnection } from "@nats-io/transport-node";
import { runEventsTopic, toTroupeError, TroupeError, type TroupeEvent } from "@troupe/core";
import { decodeJson, encodeJson } from "./bus-wire.js";
import { checkNamespace, eventStreamName, runEventsWildcard, subjectOf } from "./subjects.js";

export interface RunEventLogOptions {
  namespace?: string;
  /** How long runs' events are kept (default 7 days). */
  maxAgeMs?: number;
  /** Stream replicas in a cluster (default 1). */
  replicas?: number;
  /** "file" (default) survives a server restart; "memory" does not. */
  storage?: "file" | "memory";
}

export interface FollowOptions {
  /** Stops following (the iteration ends quietly). */
  signal?: AbortSignal;
}

const TERMINAL = new Set(["run.completed", "run.failed"]);

/**
 * Runs' events in a JetStream stream (`TROUPE_<NS>_EVENTS` over `troupe.<ns>.run.*.events`), so
 * any client can read a run's history, in order, after the fact or while it happens.
 *
 * @example
 * const log = await RunEventLog.open(bus.connection, { namespace: "prod" });
 * for (const event of await log.read(runId)) console.log(event.type);
 */
export class RunEventLog {
  readonly stream: string;
  readonly namespace: string;
  private readonly js: JetStreamClient;

  private constructor(js: JetStreamClient, namespace: string) {
    this.js = js;
    this.namespace = namespace;
    this.stream = eventStreamName(namespace);
  }

  /** Opens the namespace's event stream, creating it (or updating its limits) as needed. */
  static async open(connection: NatsConnection, options: RunEventLogOptions = {}): Promise<RunEventLog> {
    const namespace = checkNamespace(options.namespace ?? "default");
    const config = {
      name: eventStreamName(namespace),
      subjects: [runEventsWildcard(namespace)],
      max_age: nanos(options.maxAgeMs ?? 7 * 24 * 3600_000),
      num_replicas: options.replicas ?? 1,
      storage: options.storage === "memory" ? StorageType.Memory : StorageType.File,
    } satisfies Partial<StreamConfig>;
    try {
      const jsm = await jetstreamManager(connection);
      const exists = await jsm.streams.info(config.name).then(
        () => true,
        (error: unknown) => {
          if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) return false;
          throw error;
        },
      );
      if (exists) await jsm.streams.update(config.name, { subjects: config.subjects, max_age: config.max_age, num_replicas: config.num_replicas });
      else await jsm.streams.add(config);
    } catch (error) {
      throw toTroupeError(error, "INTERNAL", `opening JetStream stream ${config.name} (is nats-server running with -js?)`);
    }
    return new RunEventLog(jetstream(connection), namespace);
  }

  /** Stores one event in its run's history once JetStream acknowledges it; returns its stream sequence. */
  append(event: TroupeEvent): Promise<number> {
    return this.appendMessage(event.runId, event);
  }

  /** Stores a message published on `run.<runId>.events` (what NatsBus does with `durableEvents`). */
  async appendMessage(runId: string, message: unknown): Promise<number> {
    try {
      const ack = await this.js.publish(this.subject(runId), encodeJson(message));
      return ack.seq;
    } catch (error) {
      throw toTroupeError(error, "INTERNAL", `storing an event of run ${runId}`);
    }
  }

  /** The run's events stored so far, oldest first. */
  async read(runId: string): Promise<TroupeEvent[]> {
    const consumer = await this.consumer(runId);
    try {
      const { num_pending } = await consumer.info(true);
      const events: TroupeEvent[] = [];
      if (num_pending === 0) return events;
      const messages = await consumer.consume();
      for await (const msg of messages) {
        events.push(eventOf(msg));
        if (msg.info.pending === 0) break;
      }
      messages.stop();
      return events;
    } finally {
      await consumer.delete().catch(() => undefined);
    }
  }

  /** The run's events from the first, then live ones as they are stored; ends after run.completed/run.failed or on abort. */
  async *follow(runId: string, options: FollowOptions = {}): AsyncGenerator<TroupeEvent> {
    if (options.signal?.aborted) return;
    const consumer = await this.consumer(runId);
    const messages = await consumer.consume();
    const stop = () => messages.stop();
    options.signal?.addEventListener("abort", stop, { once: true });
    try {
      for await (const msg of messages) {
        const event = eventOf(msg);
        yield event;
        if (TERMINAL.has(event.type)) break;
      }
    } finally {
      options.signal?.removeEventListener("abort", stop);
      messages.stop();
      await consumer.delete().catch(() => undefined);
    }
  }

  private subject(runId: string): string {
    return subjectOf(this.namespace, runEventsTopic(runId));
  }

  private consumer(runId: string): Promise<Consumer> {
    return this.js.consumers.get(this.stream, { filter_subjects: this.subject(runId) }).catch((error: unknown) => {
      throw toTroupeError(error, "INTERNAL", `reading events of run ${runId} from ${this.stream}`);
    });
  }
}

function eventOf(msg: JsMsg): TroupeEvent {
  const value = decodeJson(msg.data, `event #${msg.seq} on ${msg.subject}`) as Partial<TroupeEvent> | null;
  if (!value || typeof value !== "object" || typeof value.type !== "string") {
    throw new TroupeError("BUS_MESSAGE_INVALID", `event #${msg.seq} on ${msg.subject} is not a Troupe event (no "type")`);
  }
  return value as TroupeEvent;
}
