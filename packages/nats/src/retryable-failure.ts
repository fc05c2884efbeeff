import { TroupeError } from "@troupe/core";

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "ENOTCONN",
]);
// PostgreSQL: admin/crash shutdown, cannot connect now, too many connections, serialization failure, deadlock
const PG_CODES = new Set(["57P01", "57P02", "57P03", "53300", "40001", "40P01"]);
const TRANSIENT_TEXT =
  /connection terminated|timeout exceeded when trying to connect|connection (?:refused|reset)|server closed the connection|the database system is (?:starting up|shutting down)/i;

/**
 * Whether trying the same run again later may work: a retryable TroupeError, or an
 * infrastructure failure (network, PostgreSQL down or overloaded) anywhere in the cause chain.
 *
 * @example
 * isRetryableFailure(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })); // true
 */
export function isRetryableFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current; depth++) {
    if (current instanceof TroupeError && current.retryable) return true;
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && (NETWORK_CODES.has(code) || PG_CODES.has(code) || code.startsWith("08")))
      return true;
    if (current instanceof AggregateError && current.errors.some((e) => isRetryableFailure(e))) return true;
    if (current instanceof Error && TRANSIENT_TEXT.test(current.message)) return true;
    current = current instanceof Error ? current.cause : undefined;
  }
  return false;
}
