import { headers, type Msg, type MsgHdrs } from "@nats-io/transport-node";
import type { z } from "zod";
import { formatZodIssues, toTroupeError, TroupeError, type ErrorInfo, type Reply } from "@troupe/core";

/** Parses a stored JSON payload (a KV entry, a stream message) with its schema. Throws BUS_MESSAGE_INVALID naming `what`. */
export function decodeStored<S extends z.ZodType>(schema: S, data: Uint8Array, what: string): z.output<S> {
  const parsed = schema.safeParse(decodeJson(data, what));
  if (parsed.success) return parsed.data;
  throw new TroupeError(
    "BUS_MESSAGE_INVALID",
    `${what} does not have the shape Troupe expects (${formatZodIssues(parsed.error)}); it was written by another Troupe version or by hand`,
    { cause: parsed.error },
  );
}

/** Header carrying the caller's deadline, epoch milliseconds. */
export const DEADLINE_HEADER = "troupe-deadline";
/** Header marking a reply as a bus-level error; its body is a core `Reply` with `ok: false`. */
export const ERROR_HEADER = "troupe-error";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** JSON bytes of a value; `undefined` travels as an empty payload. */
export function encodeJson(value: unknown): Uint8Array {
  return value === undefined ? new Uint8Array() : encoder.encode(JSON.stringify(value));
}

/** Parses a JSON payload; an empty payload is `undefined`. Throws BUS_MESSAGE_INVALID on bad bytes. */
export function decodeJson(data: Uint8Array, what: string): unknown {
  if (data.length === 0) return undefined;
  try {
    return JSON.parse(decoder.decode(data));
  } catch (error) {
    throw new TroupeError(
      "BUS_MESSAGE_INVALID",
      `${what} is not valid UTF-8 JSON (${data.length} bytes): ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** A typed error reply: body `{ ok: false, error }` (readable by any client) plus the error header. */
export function errorReply(error: TroupeError): { data: Uint8Array; headers: MsgHdrs } {
  const h = headers();
  h.set(ERROR_HEADER, error.code);
  const reply: Reply = { ok: false, error: error.toInfo() };
  return { data: encodeJson(reply), headers: h };
}

/** The TroupeError an error reply carries. */
export function errorOfReply(data: Uint8Array, service: string): TroupeError {
  const body = decodeJson(data, `error reply from "${service}"`) as { error?: ErrorInfo } | undefined;
  if (!body?.error?.code)
    return new TroupeError("BUS_MESSAGE_INVALID", `"${service}" sent an error reply without an error`);
  return TroupeError.fromInfo(body.error);
}

/** The caller's deadline from a request's headers, if it sent one. */
export function deadlineOf(h: MsgHdrs | undefined): number | undefined {
  const raw = h?.get(DEADLINE_HEADER);
  const value = raw ? Number(raw) : NaN;
  return Number.isFinite(value) ? value : undefined;
}

/** What a reply means to the caller: a value, or the typed error (no responders, an error reply, bad JSON). */
export function readReply(
  service: string,
  namespace: string,
  error: Error | null,
  msg: Msg,
): [TroupeError | undefined, unknown?] {
  if (error) return [toTroupeError(error, "AGENT_UNAVAILABLE", `request to "${service}"`)];
  if (msg.headers?.code === 503 && msg.data.length === 0) {
    return [
      new TroupeError(
        "AGENT_UNAVAILABLE",
        `nothing serves "${service}" in namespace "${namespace}"; start a worker for it (or check the namespace)`,
      ),
    ];
  }
  if (msg.headers?.has(ERROR_HEADER)) return [errorOfReply(msg.data, service)];
  try {
    return [undefined, decodeJson(msg.data, `reply from "${service}"`)];
  } catch (thrown) {
    return [toTroupeError(thrown)];
  }
}

/** Why a request stopped waiting: a timeout signal means the caller's time ran out. */
export function abortError(reason: unknown, service: string): TroupeError {
  if (reason instanceof DOMException && reason.name === "TimeoutError") {
    return new TroupeError("AGENT_TIMEOUT", `"${service}" did not answer before the caller's signal timed out`, {
      cause: reason,
    });
  }
  return toTroupeError(reason ?? new DOMException("aborted", "AbortError"));
}

/** setTimeout fires at once for delays over 2^31-1 ms; a longer wait is as good as forever here. */
export const timerMs = (ms: number): number => Math.min(Math.max(ms, 0), 2 ** 31 - 1);
