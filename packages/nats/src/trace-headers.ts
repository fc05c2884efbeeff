import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Context,
  type TextMapGetter,
  type TextMapSetter,
} from "@opentelemetry/api";
import { headers, type MsgHdrs } from "@nats-io/transport-node";

const setter: TextMapSetter<MsgHdrs> = { set: (carrier, key, value) => carrier.set(key, value) };
const getter: TextMapGetter<MsgHdrs> = {
  keys: (carrier) => carrier.keys(),
  get: (carrier, key) => (carrier.has(key) ? carrier.get(key) : undefined),
};

/**
 * Writes the active trace context into NATS headers (W3C `traceparent` / `tracestate` with the
 * propagator a registered provider sets up), so the process that takes the message continues the
 * caller's trace.
 *
 * @example
 * connection.publish(subject, data, { headers: withTrace(headers()) });
 */
export function withTrace(carrier: MsgHdrs = headers(), from: Context = context.active()): MsgHdrs {
  propagation.inject(from, carrier, setter);
  return carrier;
}

/** The trace context a message's headers carry (the root context when they carry none). */
export function traceContextOf(carrier: MsgHdrs | undefined): Context {
  return carrier ? propagation.extract(ROOT_CONTEXT, carrier, getter) : ROOT_CONTEXT;
}
