import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import type { MsgHdrs } from "@nats-io/transport-node";
import { TroupeError } from "@troupe/core";
import { permissionError, permissionViolationIn } from "./nats-failure.js";

export interface DurablePublishOptions {
  /** The namespace published in (named in a permission error). */
  namespace: string;
  /** Deduplication id: a retry of a publish the server already stored is not stored twice. */
  msgID: string;
  /** Give up after this long (a failover usually takes a few seconds). */
  timeoutMs: number;
  /** For the error message, e.g. "storing an event of run r-1". */
  what: string;
  headers?: MsgHdrs;
}

/**
 * Publishes to a stream and waits for its acknowledgement, retrying with the same message id
 * while the server is unreachable or electing a stream leader, so the message is stored once.
 */
export async function publishDurably(
  js: JetStreamClient,
  subject: string,
  data: Uint8Array,
  options: DurablePublishOptions,
): Promise<number> {
  const deadline = Date.now() + options.timeoutMs;
  let pause = 100;
  for (;;) {
    let ack: PubAck;
    try {
      ack = await js.publish(subject, data, {
        msgID: options.msgID,
        timeout: Math.max(500, Math.min(2000, deadline - Date.now())),
        ...(options.headers ? { headers: options.headers } : {}),
      });
      return ack.seq;
    } catch (error) {
      // a denied subject stays denied: fail now, not after the retry window
      const violation = permissionViolationIn(error);
      if (violation) throw permissionError(violation, options.namespace, options.what);
      const text = error instanceof Error ? error.message : String(error);
      const permanent = /max_payload|maximum payload|closed/i.test(text) && !/timeout/i.test(text);
      if (permanent || Date.now() + pause > deadline) {
        throw new TroupeError(
          /max_payload|maximum payload/i.test(text) ? "BUS_MESSAGE_INVALID" : "AGENT_UNAVAILABLE",
          `${options.what}: ${text}`,
          { cause: error },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 1000);
    }
  }
}
