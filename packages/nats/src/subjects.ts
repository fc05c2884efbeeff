import { TroupeError } from "@troupe/core";

const NAMESPACE = /^[a-z0-9][a-z0-9_-]*$/;
const TOKEN = /^[^\s.*>]+$/;

/**
 * Checks a namespace: lowercase letters, digits, `_` and `-`, so it is one NATS subject token and
 * can name a JetStream stream and a KV bucket.
 *
 * @example
 * checkNamespace("prod"); // "prod"
 */
export function checkNamespace(namespace: string): string {
  if (!NAMESPACE.test(namespace)) {
    throw new TroupeError(
      "BUS_MESSAGE_INVALID",
      `namespace "${namespace}" is not usable on NATS; use lowercase letters, digits, "_" and "-" (e.g. "prod", "team-a")`,
    );
  }
  return namespace;
}

/**
 * The NATS subject of a bus service or topic in a namespace: `troupe.<ns>.<name>`.
 *
 * @example
 * subjectOf("default", "agent.writer.invoke"); // "troupe.default.agent.writer.invoke"
 */
export function subjectOf(namespace: string, name: string): string {
  const tokens = name.split(".");
  if (!tokens.every((t) => TOKEN.test(t))) {
    throw new TroupeError(
      "BUS_MESSAGE_INVALID",
      `"${name}" cannot be a NATS subject: use dot-separated names without spaces, "*" or ">"`,
    );
  }
  return `troupe.${namespace}.${name}`;
}

/** Subjects of every run's events in a namespace (what the event stream captures). */
export const runEventsWildcard = (namespace: string): string => `troupe.${namespace}.run.*.events`;

/** `run.<runId>.events` -> runId; undefined for other topics. */
export function runIdOfTopic(topic: string): string | undefined {
  const match = /^run\.([^.]+)\.events$/.exec(topic);
  return match?.[1];
}

/**
 * JetStream stream holding a namespace's run events.
 *
 * @example
 * eventStreamName("prod"); // "TROUPE_PROD_EVENTS"
 */
export const eventStreamName = (namespace: string): string => `TROUPE_${namespace.toUpperCase()}_EVENTS`;

/**
 * KV bucket holding a namespace's agent registry.
 *
 * @example
 * registryBucketName("prod"); // "troupe_prod_agents"
 */
export const registryBucketName = (namespace: string): string => `troupe_${namespace}_agents`;

/**
 * Subject run requests are submitted on (captured by the work-queue stream TROUPE_<NS>_RUNS).
 *
 * @example
 * runSubmitSubject("prod"); // "troupe.prod.runs.submit"
 */
export const runSubmitSubject = (namespace: string): string => `troupe.${namespace}.runs.submit`;

/** Subject of run requests that exhausted their deliveries (stream TROUPE_<NS>_DLQ). */
export const runDlqSubject = (namespace: string): string => `troupe.${namespace}.runs.dlq`;

/** Work-queue stream of submitted runs. */
export const runQueueStreamName = (namespace: string): string => `TROUPE_${namespace.toUpperCase()}_RUNS`;

/** Stream of run requests that could not be run. */
export const runDlqStreamName = (namespace: string): string => `TROUPE_${namespace.toUpperCase()}_DLQ`;

/** Subject announcing which runs (run ids) worked on a thread, kept in the event stream. */
export const threadRunsSubject = (namespace: string, threadId: string): string =>
  subjectOf(namespace, `thread.${threadId}.runs`);

/** Every thread announcement subject of a namespace. */
export const threadRunsWildcard = (namespace: string): string => `troupe.${namespace}.thread.*.runs`;

/**
 * Checks that a thread id can be one NATS subject token (no dots, spaces, `*` or `>`).
 *
 * @example
 * checkThreadId("order-1"); // "order-1"
 */
export function checkThreadId(threadId: string): string {
  if (!TOKEN.test(threadId)) {
    throw new TroupeError(
      "INPUT_INVALID",
      `thread id "${threadId}" cannot travel on NATS; use letters, digits, "-" and "_" (no dots, spaces, "*" or ">")`,
    );
  }
  return threadId;
}
