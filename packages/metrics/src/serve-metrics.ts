import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { TroupeError } from "@troupe/core";
import type { Registry } from "prom-client";

export interface ServeMetricsOptions {
  /** 0 picks a free port (read it from the result). */
  port: number;
  /** Default 127.0.0.1: metrics name agents, tools and teams; expose them on purpose. */
  host?: string;
}

export interface MetricsServer {
  host: string;
  port: number;
  /** `http://<host>:<port>/metrics` */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the registry's Prometheus exposition on `GET /metrics` with node:http (everything else is
 * a 404), on loopback unless `host` says otherwise.
 *
 * @example
 * const server = await serveMetrics(metrics.registry, { port: 0 });
 * console.log(`metrics on ${server.url}`);
 */
export async function serveMetrics(registry: Registry, options: ServeMetricsOptions): Promise<MetricsServer> {
  const host = options.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: metrics are at GET /metrics\n");
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(req.method === "HEAD" ? "" : text),
      (error: unknown) =>
        res
          .writeHead(500, { "content-type": "text/plain" })
          .end(`cannot collect metrics: ${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new TroupeError(
          "INPUT_INVALID",
          `cannot serve metrics on ${host}:${options.port} (${error.code ?? error.message}); pick another --metrics-port, or 0 for a free one`,
          { cause: error },
        ),
      ),
    );
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    host,
    port,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
