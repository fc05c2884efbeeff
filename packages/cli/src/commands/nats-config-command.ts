import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { namespaceServerConfig } from "@troupe/nats";
import { UsageError, type CliIO } from "../cli-io.js";

export interface NatsConfigFlags {
  namespace?: string[] | undefined;
  out?: string | undefined;
  port?: string | undefined;
  host?: string | undefined;
}

/**
 * troupe nats config --namespace a --namespace b [--out dir] [--port 4222] [--host 127.0.0.1]: writes
 * `nats-server.conf` (one account per namespace, JetStream on) and one nkey seed file per namespace
 * (`<ns>.nk`, mode 0600), keeping seeds already in the directory so a rerun adds namespaces without
 * locking out the running ones; prints how to start the server and connect each process.
 */
export async function natsConfigCommand(flags: NatsConfigFlags, io: CliIO): Promise<number> {
  const namespaces = flags.namespace ?? [];
  if (!namespaces.length)
    throw new UsageError(
      "troupe nats config needs at least one --namespace <ns>, e.g. --namespace tenant-a --namespace tenant-b",
    );
  const port = flags.port === undefined ? 4222 : Number(flags.port);
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new UsageError(`--port must be a TCP port (1-65535), got "${flags.port}"`);
  const dir = resolve(io.cwd, flags.out ?? "troupe-nats");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const seedFile = (ns: string) => join(dir, `${ns}.nk`);
  const seeds = Object.fromEntries(
    namespaces.filter((ns) => existsSync(seedFile(ns))).map((ns) => [ns, readFileSync(seedFile(ns), "utf8")]),
  );
  const storeDir = join(dir, "jetstream");
  const { config, url, credentials } = namespaceServerConfig({
    namespaces,
    storeDir,
    port,
    ...(flags.host ? { host: flags.host } : {}),
    seeds,
  });
  const configFile = join(dir, "nats-server.conf");
  writeFileSync(configFile, config);
  for (const c of credentials) {
    writeFileSync(seedFile(c.namespace), `${c.seed}\n`, { mode: 0o600 });
    // mode only applies to a new file: a kept one may have been loosened since
    chmodSync(seedFile(c.namespace), 0o600);
  }
  io.out(`wrote ${configFile} (accounts ${credentials.map((c) => c.account).join(", ")}; JetStream store ${storeDir})`);
  for (const c of credentials)
    io.out(
      `wrote ${seedFile(c.namespace)} (mode 0600, ${c.namespace in seeds ? "kept" : "new"} nkey user ${c.publicKey} of namespace "${c.namespace}")`,
    );
  io.out("");
  io.out("start the server:");
  io.out(`  nats-server -c ${configFile}`);
  for (const c of credentials) {
    const connect = `--nats ${url} --namespace ${c.namespace} --nkey ${seedFile(c.namespace)}`;
    io.out("");
    io.out(`connect namespace "${c.namespace}" (every troupe NATS command takes these flags):`);
    io.out(`  troupe worker --agents <module> --store <db> ${connect}`);
    io.out(`  troupe orchestrator --store <db> ${connect}`);
    io.out(`  troupe submit <spec> --input "..." ${connect}`);
    io.out(`  or: export NATS_URL=${url} TROUPE_NAMESPACE=${c.namespace} NATS_NKEY=${seedFile(c.namespace)}`);
  }
  return 0;
}
