import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

export interface NatsServerOptions {
  /** Client port (default: a free loopback port). */
  port?: number;
  /** Path to the nats-server binary (default: NATS_SERVER_BIN, then PATH, /usr/sbin, /usr/local/bin). */
  binary?: string;
  /** How long to wait for the server to be ready (default 15 s). */
  startTimeoutMs?: number;
  /** Extra command-line arguments, e.g. ["--user", "u", "--pass", "p"]. */
  args?: string[];
  /**
   * A nats-server configuration file (accounts, users, permissions), e.g. what `troupe nats config`
   * writes; it must enable JetStream with its own store_dir (not removed by `stop()`); the port,
   * loopback address and name given on the command line win over it.
   */
  configFile?: string;
}

export interface NatsClusterOptions extends Omit<NatsServerOptions, "port"> {
  /** Number of nodes (default 3). */
  nodes?: number;
  /** Cluster name (default "troupe"). */
  name?: string;
}

/** One running nats-server with JetStream on loopback. */
export interface RunningNatsServer {
  url: string;
  port: number;
  name: string;
  storeDir: string;
  /** Kills the process but keeps its store, so `start()` brings it back on the same port with its data. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again after `kill()`, same port and store. */
  start(): Promise<void>;
  /** Kills the server and removes its store. */
  stop(): Promise<void>;
}

export interface RunningNatsCluster {
  /** Client URLs of every node. */
  urls: string[];
  nodes: RunningNatsServer[];
  /** Stops every node and removes their stores. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/**
 * Starts a throwaway nats-server with JetStream on a free loopback port and a temp store.
 *
 * @example
 * const server = await startNatsServer();
 * const bus = await NatsBus.connect({ servers: server.url });
 * // ...
 * await server.stop();
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<RunningNatsServer> {
  // a free port can be taken by another process before nats-server binds it (parallel test files):
  // pick fresh ports and start again, unless the caller chose the port
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const node = createNode({
      ...options,
      name: `troupe-${port}`,
      port,
      httpPort: await freePort(),
      extraArgs: options.args ?? [],
    });
    try {
      await node.start();
      return node;
    } catch (error) {
      await node.stop();
      const portTaken = error instanceof Error && /address already in use/.test(error.message);
      if (!portTaken || options.port !== undefined || attempt >= 3) throw error;
    }
  }
}

/**
 * Starts N nats-server nodes routed to each other on loopback as one JetStream cluster.
 *
 * @example
 * const cluster = await startNatsCluster({ nodes: 3 });
 * const bus = await NatsBus.connect({ servers: cluster.urls });
 * await cluster.nodes[0]!.kill(); // the bus fails over to another node
 * await cluster.stop();
 */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<RunningNatsCluster> {
  const count = options.nodes ?? 3;
  const clusterName = options.name ?? "troupe";
  const ports = await Promise.all(
    Array.from({ length: count }, async () => ({
      client: await freePort(),
      route: await freePort(),
      http: await freePort(),
    })),
  );
  const routes = ports.map((p) => `nats://127.0.0.1:${p.route}`).join(",");
  const nodes = ports.map((p, i) =>
    createNode({
      ...options,
      name: `${clusterName}-${i + 1}`,
      port: p.client,
      httpPort: p.http,
      extraArgs: [
        "--cluster_name",
        clusterName,
        "--cluster",
        `nats://127.0.0.1:${p.route}`,
        "--routes",
        routes,
        ...(options.args ?? []),
      ],
    }),
  );
  try {
    await Promise.all(nodes.map((n) => n.start()));
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw error;
  }
  return {
    urls: nodes.map((n) => n.url),
    nodes,
    stop: async () => void (await Promise.all(nodes.map((n) => n.stop()))),
  };
}

interface NodeConfig extends NatsServerOptions {
  name: string;
  port: number;
  httpPort: number;
  extraArgs: string[];
}

function createNode(config: NodeConfig): RunningNatsServer {
  const binary = findBinary(config.binary);
  const storeDir = mkdtempSync(join(tmpdir(), "troupe-nats-"));
  // a config file's jetstream block (store_dir) stands: nats-server refuses a second store_dir from -sd
  const jetstream = config.configFile ? ["-c", config.configFile] : ["-js", "-sd", storeDir];
  const args = [
    ...jetstream,
    "-p",
    String(config.port),
    "-a",
    "127.0.0.1",
    "-m",
    String(config.httpPort),
    "-n",
    config.name,
    ...config.extraArgs,
  ];
  let child: ChildProcess | undefined;
  let removed = false;

  const kill = async (signal: NodeJS.Signals = "SIGTERM") => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => current.once("exit", () => resolve()));
    current.kill(signal);
    const forced = setTimeout(() => current.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(forced);
  };

  return {
    url: `nats://127.0.0.1:${config.port}`,
    port: config.port,
    name: config.name,
    storeDir,
    kill,
    async start() {
      if (removed) throw new Error(`nats-server ${config.name} was stopped and its store removed; start a new one`);
      if (child) return;
      const started = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
      child = started;
      live.add(started);
      const log: string[] = [];
      started.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
        log.push(chunk);
        if (log.length > 50) log.shift();
      });
      started.once("exit", () => live.delete(started));
      try {
        await waitReady(started, config.httpPort, config.startTimeoutMs ?? 15_000, log);
      } catch (error) {
        await kill("SIGKILL");
        throw error;
      }
    },
    async stop() {
      await kill();
      removed = true;
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

async function waitReady(child: ChildProcess, httpPort: number, timeoutMs: number, log: string[]): Promise<void> {
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new Error(error.code === "ENOENT" ? missingMessage() : `nats-server failed to start: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    child.once("exit", (code, signal) =>
      reject(new Error(`nats-server exited early (code ${code}, signal ${signal}):\n${log.join("")}`)),
    );
  });
  failed.catch(() => undefined); // not swallowed: the readiness loop races `failed` and throws its error
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    // /healthz answers ok once the client port listens and JetStream (and its cluster meta leader) is ready.
    const ok = await Promise.race([
      fetch(`http://127.0.0.1:${httpPort}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
      failed,
    ]);
    if (ok) return;
    await Promise.race([new Promise((r) => setTimeout(r, 100)), failed]);
  }
  throw new Error(`nats-server was not ready within ${timeoutMs} ms:\n${log.join("")}`);
}

function findBinary(explicit: string | undefined): string {
  const chosen = explicit ?? process.env.NATS_SERVER_BIN;
  if (chosen) return chosen;
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/bin", "/usr/bin"].filter(
    Boolean,
  );
  for (const dir of dirs) {
    const candidate = join(dir, "nats-server");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(missingMessage());
}

function missingMessage(): string {
  return "nats-server not found (looked at NATS_SERVER_BIN, PATH, /usr/sbin, /usr/local/bin); install it: apt-get install -y nats-server";
}

/**
 * A port nothing listens on right now, on loopback.
 *
 * @example
 * const port = await freePort();
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
