import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { Kvm, type KV, type KvEntry } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { toTroupeError, TroupeError } from "@troupe/core";
import { z } from "zod";
import { decodeStored, encodeJson } from "./bus-wire.js";
import { natsFailure } from "./nats-failure.js";
import { checkNamespace, registryBucketName } from "./subjects.js";

export interface AgentRegistration {
  name: string;
  /** Which worker serves it (default: host, pid and a random suffix). */
  workerId?: string;
  version: string;
  inputSchema?: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
}

/** A live registry entry. */
export interface AgentEntry extends Required<Pick<AgentRegistration, "name" | "workerId" | "version">> {
  inputSchema?: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  registeredAt: string;
  heartbeatAt: string;
}

/** What a registry entry's value must hold when read back. */
const AgentEntrySchema = z.object({
  name: z.string(),
  workerId: z.string(),
  version: z.string(),
  inputSchema: z.record(z.string(), z.unknown()).optional(),
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  registeredAt: z.string(),
  heartbeatAt: z.string(),
}) satisfies z.ZodType<AgentEntry>;

export interface AgentRegistryOptions {
  namespace?: string;
  /** An entry not refreshed for this long disappears (default 30 s). Fixed when the bucket is created. */
  ttlMs?: number;
  /** How often registrations refresh their entry (default a third of the TTL). */
  heartbeatMs?: number;
  /** Bucket replicas in a cluster (1, 3 or 5; default 1). Fixed when the bucket is created. */
  replicas?: number;
  /** A heartbeat that failed (the next one retries); default: a process warning. */
  onError?: (error: TroupeError) => void;
}

/** A registration kept alive by heartbeats until `stop()`. */
export interface Registration {
  readonly key: string;
  readonly entry: AgentEntry;
  /** Stops heartbeating and removes the entry. */
  stop(): Promise<void>;
}

const KEY_TOKEN = /^[-/_=a-zA-Z0-9]+$/;

/**
 * Which agents are served right now, in the KV bucket `troupe_<ns>_agents`: each worker registers
 * `<agent>.<workerId>` and heartbeats it; an entry whose worker died expires after the bucket's TTL.
 *
 * @example
 * const registry = await AgentRegistry.open(bus.connection, { namespace: "prod" });
 * const registration = await registry.register({ name: "researcher", version: "1.2.0" });
 * console.log(await registry.list()); // [{ name: "researcher", workerId: "...", ... }]
 * await registration.stop();
 */
export class AgentRegistry {
  readonly bucket: string;
  private readonly kv: KV;
  private readonly options: AgentRegistryOptions;

  private constructor(kv: KV, bucket: string, options: AgentRegistryOptions) {
    this.kv = kv;
    this.bucket = bucket;
    this.options = options;
  }

  /** Opens the namespace's registry bucket, creating it with the TTL if it does not exist. */
  static async open(connection: NatsConnection, options: AgentRegistryOptions = {}): Promise<AgentRegistry> {
    const namespace = checkNamespace(options.namespace ?? "default");
    const bucket = registryBucketName(namespace);
    try {
      const kv = await new Kvm(connection).create(bucket, {
        ttl: options.ttlMs ?? 30_000,
        history: 1,
        ...(options.replicas ? { replicas: options.replicas } : {}),
      });
      return new AgentRegistry(kv, bucket, { ...options, namespace });
    } catch (error) {
      throw natsFailure(
        error,
        namespace,
        `opening KV bucket ${bucket}`,
        "INTERNAL",
        "is nats-server running with -js?",
      );
    }
  }

  /** Puts the entry now and refreshes it every heartbeat until `stop()`. */
  async register(registration: AgentRegistration): Promise<Registration> {
    const workerId = registration.workerId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    for (const [what, value] of [
      ["agent name", registration.name],
      ["workerId", workerId],
    ] as const) {
      if (!KEY_TOKEN.test(value))
        throw new TroupeError(
          "BUS_MESSAGE_INVALID",
          `${what} "${value}" cannot be part of a KV key; use letters, digits, "-", "_", "=" or "/"`,
        );
    }
    const key = `${registration.name}.${workerId}`;
    const now = new Date().toISOString();
    const entry: AgentEntry = { ...registration, workerId, registeredAt: now, heartbeatAt: now };
    await this.put(key, entry);
    const ttlMs = this.options.ttlMs ?? 30_000;
    const timer = setInterval(
      () => {
        this.put(key, { ...entry, heartbeatAt: new Date().toISOString() }).catch((error: unknown) =>
          this.report(toTroupeError(error)),
        );
      },
      this.options.heartbeatMs ?? Math.max(100, Math.floor(ttlMs / 3)),
    );
    timer.unref();
    let stopped = false;
    return {
      key,
      entry,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        clearInterval(timer);
        await this.kv.delete(key).catch((error: unknown) => {
          throw toTroupeError(error, "INTERNAL", `removing ${key} from ${this.bucket}`);
        });
      },
    };
  }

  /** Live entries (optionally of one agent), sorted by agent then worker. */
  async list(agent?: string): Promise<AgentEntry[]> {
    // a key written while the listing runs (a heartbeat) can come back twice
    const keys = new Set<string>();
    for await (const key of await this.kv.keys(agent ? `${agent}.*` : undefined)) keys.add(key);
    const entries = await Promise.all([...keys].map((key) => this.kv.get(key)));
    return entries
      .filter((e): e is KvEntry => e !== null && e.operation === "PUT")
      .map((e) => decodeStored(AgentEntrySchema, e.value, `registry entry ${e.key}`))
      .sort((a, b) => a.name.localeCompare(b.name) || a.workerId.localeCompare(b.workerId));
  }

  private async put(key: string, entry: AgentEntry): Promise<void> {
    try {
      await this.kv.put(key, encodeJson(entry));
    } catch (error) {
      throw natsFailure(error, this.options.namespace ?? "default", `writing ${key} to ${this.bucket}`);
    }
  }

  private report(error: TroupeError): void {
    if (this.options.onError) this.options.onError(error);
    else process.emitWarning(error.message, { code: error.code });
  }
}
