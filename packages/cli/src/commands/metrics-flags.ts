import type { MetricsServer, TroupeMetrics } from "@troupe/metrics";
import type { Interceptor, TroupeEvent } from "@troupe/core";
import type { RunRequest } from "@troupe/nats";
import { UsageError, type CliIO } from "../cli-io.js";

export interface MetricsFlags {
  "metrics-port"?: string | undefined;
  "metrics-host"?: string | undefined;
}

/** A process's metrics and their endpoint, when --metrics-port asked for them. */
export interface ServedMetrics {
  metrics: TroupeMetrics;
  server: MetricsServer;
  interceptors: Interceptor[];
  /** Feeds an orchestrator's run events, labelled with the request's team. */
  observe: (event: TroupeEvent, request: RunRequest) => void;
}

/** Where to serve metrics: --metrics-port and --metrics-host checked before anything opens. */
export interface MetricsAddress {
  port: number;
  host?: string;
}

/** `--metrics-port <n>` (0: a free port) and `--metrics-host <ip>` (default 127.0.0.1), checked; undefined without them. */
export function metricsAddress(flags: MetricsFlags): MetricsAddress | undefined {
  const raw = flags["metrics-port"];
  if (raw === undefined) {
    if (flags["metrics-host"]) throw new UsageError("--metrics-host needs --metrics-port <n> (0 picks a free port)");
    return undefined;
  }
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65_535)
    throw new UsageError(`--metrics-port must be a port number from 0 to 65535 (0 picks a free one), got "${raw}"`);
  return { port, ...(flags["metrics-host"] ? { host: flags["metrics-host"] } : {}) };
}

/** Starts the /metrics endpoint (before the process connects, so a taken port fails at once) and says where it is. */
export async function startMetrics(
  address: MetricsAddress | undefined,
  io: CliIO,
  what: string,
): Promise<ServedMetrics | undefined> {
  if (!address) return undefined;
  // loaded only when asked for: prom-client is not worth its start-up time to every troupe command
  const { metricsInterceptor, observeRunEvents, serveMetrics, TroupeMetrics } = await import("@troupe/metrics");
  const metrics = new TroupeMetrics();
  const server = await serveMetrics(metrics.registry, address);
  io.err(`${what} metrics on ${server.url}`);
  const observe = observeRunEvents(metrics);
  return {
    metrics,
    server,
    interceptors: [metricsInterceptor(metrics)],
    observe: (event, request) => observe(event, teamOf(request)),
  };
}

/** The team label of a submitted run: the registered team's name, else the spec's `name`. */
function teamOf(request: RunRequest): string {
  if ("team" in request) return request.team.name;
  return typeof request.spec.name === "string" ? request.spec.name : "unnamed";
}
