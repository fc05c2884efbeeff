import { readFileSync } from "node:fs";
import {
  credsAuthenticator,
  nkeyAuthenticator,
  type Authenticator,
  type NodeConnectionOptions,
} from "@nats-io/transport-node";

/** How to reach and authenticate with NATS. */
export interface NatsConnectOptions {
  /** One URL or several (a cluster), e.g. "nats://127.0.0.1:4222". */
  servers: string | string[];
  user?: string;
  pass?: string;
  token?: string;
  /** A `.creds` file (JWT + nkey seed) for decentralized auth. */
  credsFile?: string;
  /** An nkey seed ("SU...") for nkey auth. */
  nkeySeed?: string;
  tls?: NodeConnectionOptions["tls"];
  /** Connection name shown by the server (monitoring, logs). */
  name?: string;
  /** Pause between reconnect attempts (default 1000 ms); the bus never stops trying. */
  reconnectTimeWaitMs?: number;
}

/**
 * Maps Troupe's connect options to the NATS client's: reconnect forever, fail fast on the first
 * connect so a wrong URL is reported at once.
 *
 * @example
 * const nc = await connect(natsConnectionOptions({ servers: "nats://127.0.0.1:4222", token: "s3cret" }));
 */
export function natsConnectionOptions(options: NatsConnectOptions): NodeConnectionOptions {
  const authenticators: Authenticator[] = [];
  if (options.credsFile) authenticators.push(credsAuthenticator(readFileSync(options.credsFile)));
  if (options.nkeySeed) authenticators.push(nkeyAuthenticator(new TextEncoder().encode(options.nkeySeed)));
  return {
    servers: options.servers,
    maxReconnectAttempts: -1,
    waitOnFirstConnect: false,
    reconnectTimeWait: options.reconnectTimeWaitMs ?? 1000,
    // async stack traces cost two Error objects per request; Troupe's errors carry their own context
    noAsyncTraces: true,
    ...(options.user !== undefined ? { user: options.user } : {}),
    ...(options.pass !== undefined ? { pass: options.pass } : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
    ...(authenticators.length ? { authenticator: authenticators } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.name ? { name: options.name } : {}),
  };
}
