import { TroupeError } from "@troupe/core";

// network failures reaching the server
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EPIPE",
]);
const UNREACHABLE_TEXT = /connection terminated|timeout exceeded when trying to connect|server closed the connection/i;

/**
 * A PostgreSQL failure as a typed store error naming the (password-free) URL and what to do:
 * unreachable, refused login, missing database, disk full, no privilege. Query errors that say
 * nothing about the store itself (a bug, a constraint) come back unchanged.
 */
export function postgresFault(error: unknown, url: string): unknown {
  if (error instanceof TroupeError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const reason = error instanceof Error ? error.message || String(code) : String(error);
  const fault = (kind: "STORE_INVALID" | "STORE_PERMISSION" | "STORE_UNAVAILABLE", message: string) =>
    new TroupeError(kind, message, {
      cause: error,
      details: { url, ...(typeof code === "string" ? { postgres: code } : {}) },
    });
  if (
    (typeof code === "string" && (UNREACHABLE.has(code) || code.startsWith("08") || code.startsWith("57P"))) ||
    (error instanceof Error && UNREACHABLE_TEXT.test(error.message))
  ) {
    return fault(
      "STORE_UNAVAILABLE",
      `cannot reach PostgreSQL at ${url} (${reason}); check that the server is running and the host and port are right`,
    );
  }
  if (
    error instanceof AggregateError &&
    error.errors.some((e) => UNREACHABLE.has((e as { code?: string }).code ?? ""))
  ) {
    return fault(
      "STORE_UNAVAILABLE",
      `cannot reach PostgreSQL at ${url} (${error.errors.map((e) => (e as Error).message).join("; ")}); check that the server is running and the host and port are right`,
    );
  }
  if (typeof code !== "string") return error;
  if (code.startsWith("28"))
    return fault(
      "STORE_PERMISSION",
      `PostgreSQL at ${url} refused the login (${reason}); check the user and password in the URL`,
    );
  if (code === "3D000")
    return fault(
      "STORE_INVALID",
      `PostgreSQL at ${url} has no such database (${reason}); create it (createdb) or name an existing one in the URL`,
    );
  if (code === "42501")
    return fault(
      "STORE_PERMISSION",
      `PostgreSQL at ${url} denied access (${reason}); grant this role CREATE and USAGE on the schema, or connect as one that has them`,
    );
  if (code === "53100")
    return fault(
      "STORE_UNAVAILABLE",
      `PostgreSQL at ${url} is out of disk space (${reason}); free space on the database server`,
    );
  if (code.startsWith("53"))
    return fault("STORE_UNAVAILABLE", `PostgreSQL at ${url} is out of resources (${reason}); try again later`);
  return error;
}
