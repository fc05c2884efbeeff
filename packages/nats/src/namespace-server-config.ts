import { nkeys } from "@nats-io/transport-node";
import { TroupeError } from "@troupe/core";
import {
  checkNamespace,
  eventStreamName,
  registryBucketName,
  runDlqStreamName,
  runQueueStreamName,
} from "./subjects.js";

export interface NamespaceServerConfigOptions {
  /** One NATS account (and one user) per namespace. */
  namespaces: string[];
  /** Directory JetStream stores its streams in (absolute, as nats-server resolves it from its own cwd). */
  storeDir: string;
  /** Interface the server listens on (default 127.0.0.1: nothing off this machine can reach it). */
  host?: string;
  /** Client port (default 4222). */
  port?: number;
  /** Server name (default "troupe"). */
  serverName?: string;
  /** nkey seeds ("SU...") to keep, by namespace: a namespace without one gets a new key pair. */
  seeds?: Record<string, string>;
}

/** What one namespace's processes connect with. */
export interface NamespaceCredentials {
  namespace: string;
  /** The NATS account the namespace lives in. */
  account: string;
  /** The user's public nkey ("U..."), the only part the server config holds. */
  publicKey: string;
  /** The user's secret seed ("SU..."): keep it in a file only that namespace's processes can read. */
  seed: string;
}

/** Subjects one namespace's user may publish and subscribe to, inside its account. */
export interface NamespacePermissions {
  publish: string[];
  subscribe: string[];
}

export interface NamespaceServerConfig {
  /** The nats-server configuration file's text. */
  config: string;
  /** The URL clients connect to. */
  url: string;
  credentials: NamespaceCredentials[];
}

/**
 * The NATS account a namespace lives in.
 *
 * @example
 * namespaceAccount("tenant-a"); // "troupe-tenant-a"
 */
export const namespaceAccount = (namespace: string): string => `troupe-${checkNamespace(namespace)}`;

/**
 * What a namespace's user may do inside its own account: its `troupe.<ns>.>` subjects, reply inboxes,
 * and the JetStream API, acks and KV writes of its own streams and registry bucket only. The account
 * is the security boundary (no other namespace's subjects, queue groups or streams exist in it); these
 * permissions make a process started with another namespace's name fail at once with a permission
 * error naming the subject, instead of creating that namespace's streams in the wrong account.
 *
 * @example
 * namespacePermissions("a").subscribe; // ["troupe.a.>", "_INBOX.>"]
 */
export function namespacePermissions(namespace: string): NamespacePermissions {
  const ns = checkNamespace(namespace);
  const bucket = registryBucketName(ns);
  const streams = [eventStreamName(ns), runQueueStreamName(ns), runDlqStreamName(ns), `KV_${bucket}`];
  const jetstream = streams.flatMap((s) => [
    `$JS.API.STREAM.*.${s}`, // CREATE, UPDATE, INFO, DELETE, PURGE
    `$JS.API.STREAM.MSG.*.${s}`, // GET, DELETE
    `$JS.API.CONSUMER.*.${s}`, // CREATE (ephemeral), NAMES, LIST
    `$JS.API.CONSUMER.*.${s}.>`, // CREATE with a name and filter, INFO, DELETE
    `$JS.API.CONSUMER.DURABLE.CREATE.${s}.>`,
    `$JS.API.CONSUMER.MSG.NEXT.${s}.>`,
    `$JS.API.DIRECT.GET.${s}`,
    `$JS.API.DIRECT.GET.${s}.>`,
    `$JS.ACK.${s}.>`,
    `$JS.FC.${s}.>`,
  ]);
  return {
    publish: [
      `troupe.${ns}.>`,
      "_INBOX.>",
      "$JS.API.INFO",
      "$JS.API.STREAM.NAMES",
      "$JS.API.STREAM.LIST",
      ...jetstream,
      `$KV.${bucket}.>`,
    ],
    subscribe: [`troupe.${ns}.>`, "_INBOX.>"],
  };
}

/**
 * A nats-server configuration in which every namespace is its own NATS account with JetStream
 * enabled, reached by one nkey user whose permissions stop at the namespace, plus the credentials of
 * each user. The config holds public keys only; the seeds go to the namespaces' processes.
 *
 * @example
 * const { config, url, credentials } = namespaceServerConfig({ namespaces: ["tenant-a", "tenant-b"], storeDir: "/var/lib/troupe-nats" });
 * writeFileSync("nats-server.conf", config);
 * for (const c of credentials) writeFileSync(`${c.namespace}.nk`, c.seed, { mode: 0o600 });
 * // nats-server -c nats-server.conf; NatsBus.connect({ servers: url, namespace: "tenant-a", nkeySeed: seedOfA })
 */
export function namespaceServerConfig(options: NamespaceServerConfigOptions): NamespaceServerConfig {
  const namespaces = [...new Set(options.namespaces.map(checkNamespace))];
  if (!namespaces.length)
    throw new TroupeError(
      "INPUT_INVALID",
      'namespaceServerConfig needs at least one namespace, e.g. { namespaces: ["tenant-a"] }',
    );
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 4222;
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new TroupeError("INPUT_INVALID", `port ${port} is not a TCP port; use 1-65535 (default 4222)`);
  const credentials = namespaces.map((namespace) => credentialsOf(namespace, options.seeds?.[namespace]));
  const q = (s: string) => JSON.stringify(s);
  const list = (items: string[], indent: string) =>
    `[\n${items.map((i) => `${indent}  ${q(i)}`).join(",\n")}\n${indent}]`;
  const accounts = credentials.map((c) => {
    const p = namespacePermissions(c.namespace);
    return [
      `  # namespace "${c.namespace}": subjects troupe.${c.namespace}.>, its streams and KV bucket, invisible to every other account`,
      `  ${q(c.account)}: {`,
      "    jetstream: enabled",
      "    users: [",
      "      {",
      `        nkey: ${q(c.publicKey)}`,
      "        permissions: {",
      `          publish: { allow: ${list(p.publish, "            ")} }`,
      `          subscribe: { allow: ${list(p.subscribe, "            ")} }`,
      "        }",
      "      }",
      "    ]",
      "  }",
    ].join("\n");
  });
  const config = [
    "# nats-server configuration made by `troupe nats config`: one account per Troupe namespace.",
    "# It holds public keys only; each namespace's secret seed is in its own <ns>.nk file.",
    `server_name: ${q(options.serverName ?? "troupe")}`,
    `listen: ${q(`${host}:${port}`)}`,
    "",
    "jetstream {",
    `  store_dir: ${q(options.storeDir)}`,
    "}",
    "",
    "accounts {",
    accounts.join("\n\n"),
    "}",
    "",
  ].join("\n");
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return { config, url: `nats://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${port}`, credentials };
}

function credentialsOf(namespace: string, seed: string | undefined): NamespaceCredentials {
  const account = namespaceAccount(namespace);
  if (seed === undefined) {
    const pair = nkeys.createUser();
    return { namespace, account, publicKey: pair.getPublicKey(), seed: new TextDecoder().decode(pair.getSeed()) };
  }
  try {
    const pair = nkeys.fromSeed(new TextEncoder().encode(seed.trim()));
    const publicKey = pair.getPublicKey();
    if (!publicKey.startsWith("U")) throw new Error(`a ${publicKey[0]} key, not a user key`);
    return { namespace, account, publicKey, seed: seed.trim() };
  } catch (error) {
    throw new TroupeError(
      "INPUT_INVALID",
      `the nkey seed kept for namespace "${namespace}" is not a user seed ("SU..."): ${(error as Error).message}; delete its .nk file to make a new one`,
      { cause: error },
    );
  }
}
