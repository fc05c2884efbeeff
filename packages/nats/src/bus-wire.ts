import { headers, type MsgHdrs } from "@nats-io/transport-node";
import { TroupeError, type ErrorInfo, type Reply } from "@troupe/core";

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
    throw new TroupeError("BUS_MESSAGE_INVALID", `${what} is not valid UTF-8 JSON (${data.length} bytes): ${(error as Error).message}`, { cause: error });
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
  if (!body?.error?.code) return new TroupeError("BUS_MESSAGE_INVALID", `"${service}" sent an error reply without an error`);
  return TroupeError.fromInfo(body.error);
}

/** The caller's deadline from a request's headers, if it sent one. */
export function deadlineOf(h: MsgHdrs | undefined): number | undefined {
  const raw = h?.get(DEADLINE_HEADER);
  const value = raw ? Number(raw) : NaN;
  return Number.isFinite(value) ? value : undefined;
}
