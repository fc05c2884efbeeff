import { TroupeError } from "./errors.js";

const ELSEWHERE = "or pass --store <file> naming another file";

/**
 * A SQLite failure as a typed store error naming the file and what to do; errors that are not
 * SQLite's (a bug, a bad value) come back unchanged.
 */
export function sqliteFault(error: unknown, file: string): unknown {
  if (error instanceof TroupeError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !code.startsWith("SQLITE_")) return error;
  const reason = error instanceof Error ? error.message : String(error);
  const fault = (kind: "STORE_INVALID" | "STORE_PERMISSION" | "STORE_UNAVAILABLE", message: string) =>
    new TroupeError(kind, message, { cause: error, details: { path: file, sqlite: code } });
  if (code === "SQLITE_NOTADB")
    return fault("STORE_INVALID", `store ${file} is not a SQLite database (${reason}); move it aside ${ELSEWHERE}`);
  if (code.startsWith("SQLITE_CORRUPT"))
    return fault(
      "STORE_INVALID",
      `store ${file} is corrupt or truncated (${reason}); restore it from a backup, or move it aside to start an empty store`,
    );
  if (code.startsWith("SQLITE_READONLY") || code === "SQLITE_PERM" || code === "SQLITE_AUTH") {
    return fault(
      "STORE_PERMISSION",
      `cannot write store ${file} (${reason}); make the file and its directory writable by this user, ${ELSEWHERE}`,
    );
  }
  if (code.startsWith("SQLITE_CANTOPEN")) {
    return fault(
      "STORE_PERMISSION",
      `cannot open store ${file} (${reason}); check that its directory exists and this user may read and write there, ${ELSEWHERE}`,
    );
  }
  if (code === "SQLITE_FULL")
    return fault("STORE_UNAVAILABLE", `cannot write store ${file}: the disk is full; free space and try again`);
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return fault(
      "STORE_UNAVAILABLE",
      `store ${file} stayed locked by another process (${reason}); try again, or find the process holding it (fuser ${file})`,
    );
  }
  if (code.startsWith("SQLITE_IOERR"))
    return fault(
      "STORE_UNAVAILABLE",
      `I/O error on store ${file} (${reason}); check the disk, and that the file is on a local file system`,
    );
  return fault("STORE_UNAVAILABLE", `store ${file} failed: ${reason} (${code})`);
}

/** The same object with every method's failures passed through `fault` (sync throws and rejections). */
export function withFaults<T extends object>(target: T, fault: (error: unknown) => unknown): T {
  const wrapped = { ...target } as Record<string, unknown>;
  for (const [name, value] of Object.entries(target)) {
    if (typeof value !== "function") continue;
    const method = value as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]) => {
      let result: unknown;
      try {
        result = method.apply(target, args);
      } catch (error) {
        throw fault(error);
      }
      return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(fault(error))) : result;
    };
  }
  return wrapped as T;
}

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
