import { TroupeError } from "@troupe/core";

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
