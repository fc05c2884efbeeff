import {
  jetstreamManager,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { nanos, type NatsConnection } from "@nats-io/transport-node";
import { natsFailure } from "./nats-failure.js";

export interface StreamPlan {
  name: string;
  /** The namespace the stream belongs to (named in a permission error). */
  namespace: string;
  subjects: string[];
  maxAgeMs: number;
  storage: "file" | "memory";
  retention?: "limits" | "workqueue";
  /** Settings the caller asked for by name: an existing stream is changed to match them; others are left as they are. */
  explicit: { replicas?: number; maxAgeMs?: number };
}

/**
 * Makes sure a stream exists with at least the plan's subjects: creates it, or adds missing
 * subjects and explicitly asked-for settings to an existing one (a reader never downsizes it).
 */
export async function ensureStream(connection: NatsConnection, plan: StreamPlan): Promise<void> {
  // right after a cluster node is lost the JetStream API may time out while leaders are elected
  const deadline = Date.now() + 20_000;
  for (let pause = 250; ; pause = Math.min(pause * 2, 2000)) {
    try {
      return await ensureOnce(connection, plan);
    } catch (error) {
      const transient = /timeout|no responders|503/i.test(
        error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : String(error),
      );
      if (!transient || Date.now() + pause > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

async function ensureOnce(connection: NatsConnection, plan: StreamPlan): Promise<void> {
  try {
    const jsm = await jetstreamManager(connection);
    const existing = await jsm.streams.info(plan.name).catch((error: unknown) => {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) return undefined;
      throw error;
    });
    if (!existing) {
      const config = {
        name: plan.name,
        subjects: plan.subjects,
        max_age: nanos(plan.maxAgeMs),
        num_replicas: plan.explicit.replicas ?? 1,
        storage: plan.storage === "memory" ? StorageType.Memory : StorageType.File,
        retention: plan.retention === "workqueue" ? RetentionPolicy.Workqueue : RetentionPolicy.Limits,
      } satisfies Partial<StreamConfig>;
      await jsm.streams.add(config).catch(async (error: unknown) => {
        // another process created it at the same moment: fine if it is there now
        if (
          !(await jsm.streams.info(plan.name).then(
            () => true,
            () => false,
          ))
        )
          throw error;
      });
      return;
    }
    const missing = plan.subjects.filter((s) => !existing.config.subjects?.includes(s));
    const update: Partial<StreamConfig> = {};
    if (missing.length) update.subjects = [...(existing.config.subjects ?? []), ...missing];
    if (plan.explicit.replicas && plan.explicit.replicas !== existing.config.num_replicas)
      update.num_replicas = plan.explicit.replicas;
    if (plan.explicit.maxAgeMs && nanos(plan.explicit.maxAgeMs) !== existing.config.max_age)
      update.max_age = nanos(plan.explicit.maxAgeMs);
    if (Object.keys(update).length) await jsm.streams.update(plan.name, update);
  } catch (error) {
    throw natsFailure(
      error,
      plan.namespace,
      `opening JetStream stream ${plan.name}`,
      "INTERNAL",
      "is nats-server running with -js?",
    );
  }
}
