import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  realpathSync,
  statSync,
  type Stats,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { defaultLogger, logIgnored, TroupeError } from "@troupe/core";

const HEADER = "SQLite format 3\u0000";
// kernel and device trees: reading them as a database blocks, spins or means nothing
const SPECIAL_TREE = /^\/(?:proc|sys|dev)(?:\/|$)/;
const ELSEWHERE = "pass --store <file> (or sqliteStore(path)) naming a regular file, e.g. .troupe/checkpoints.sqlite";

/**
 * Makes sure `path` can hold a Troupe SQLite store before SQLite opens it: refuses special files
 * (FIFOs, devices, /proc, /sys, /dev), directories, files that are not SQLite or are truncated,
 * and files or directories this user cannot write; creates the parent directory when missing.
 * Returns the absolute path. Throws STORE_INVALID, STORE_PERMISSION or STORE_UNAVAILABLE.
 */
export function checkSqliteFile(path: string): string {
  const file = resolve(path);
  const real = realPathOf(file);
  if (SPECIAL_TREE.test(real)) {
    throw new TroupeError(
      "STORE_INVALID",
      `store ${path}${real !== file ? ` (${real})` : ""} is in /${real.split("/")[1]}, a tree of special files, not a place for a database; ${ELSEWHERE}`,
      { details: { path: file } },
    );
  }
  const stat = statOf(path, file);
  if (stat) {
    checkExisting(path, file, stat);
  } else {
    makeParent(path, dirname(file));
  }
  const dir = dirname(file);
  if (!allowed(dir, constants.W_OK | constants.X_OK)) {
    throw new TroupeError(
      "STORE_PERMISSION",
      `cannot write in ${dir}, the directory of store ${path}: permission denied (SQLite writes ${basename(file)}-wal and -shm beside it); make the directory writable by this user, or ${ELSEWHERE} in a directory you can write`,
      { details: { path: file } },
    );
  }
  return file;
}

function checkExisting(path: string, file: string, stat: Stats): void {
  if (stat.isDirectory()) {
    throw new TroupeError(
      "STORE_INVALID",
      `store ${path} is a directory, not a SQLite file; name a file inside it, e.g. --store ${join(path, "checkpoints.sqlite")}`,
      { details: { path: file } },
    );
  }
  if (!stat.isFile()) {
    throw new TroupeError(
      "STORE_INVALID",
      `store ${path} is ${kindOf(stat)}, not a regular file; SQLite cannot keep a store there. ${capital(ELSEWHERE)}`,
      { details: { path: file } },
    );
  }
  if (!allowed(file, constants.R_OK | constants.W_OK)) {
    throw new TroupeError(
      "STORE_PERMISSION",
      `cannot read and write store ${path}: permission denied; make the file readable and writable by this user (chmod u+rw), or ${ELSEWHERE}`,
      { details: { path: file } },
    );
  }
  if (stat.size === 0) return; // SQLite treats an empty file as an empty database
  const head = Buffer.alloc(100);
  const fd = openSync(file, "r");
  let read: number;
  try {
    read = readSync(fd, head, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  const notSqlite = `store ${path} is not a SQLite database (its first bytes are not "SQLite format 3"), so it is not a Troupe store; move it aside or ${ELSEWHERE}`;
  if (head.toString("latin1", 0, Math.min(read, 16)) !== HEADER.slice(0, Math.min(read, 16)))
    throw new TroupeError("STORE_INVALID", notSqlite, { details: { path: file } });
  if (read < 100) throw truncated(path, file, `${stat.size} bytes, shorter than a SQLite header`);
  // the page count in the header is valid when its version number matches the change counter
  const pageSize = head.readUInt16BE(16) === 1 ? 65_536 : head.readUInt16BE(16);
  const pages = head.readUInt32BE(28);
  const countValid = head.readUInt32BE(24) === head.readUInt32BE(92);
  // with a -wal file beside it, recent pages live in the log, so the main file may be shorter
  if (countValid && pages > 0 && stat.size < pageSize * pages && !existsSync(`${file}-wal`)) {
    throw truncated(path, file, `${stat.size} bytes where its header says ${pageSize * pages}`);
  }
}

function statOf(path: string, file: string): Stats | undefined {
  try {
    return statSync(file, { throwIfNoEntry: false });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR")
      throw new TroupeError(
        "STORE_INVALID",
        `store ${path}: part of that path is a file, not a directory; ${ELSEWHERE}`,
        { cause: error, details: { path: file } },
      );
    if (code === "EACCES" || code === "EPERM") {
      throw new TroupeError(
        "STORE_PERMISSION",
        `cannot reach store ${path}: permission denied on a directory in its path; make it searchable by this user (chmod +x), or ${ELSEWHERE}`,
        { cause: error, details: { path: file } },
      );
    }
    throw new TroupeError("STORE_UNAVAILABLE", `cannot look at store ${path}: ${(error as Error).message}`, {
      cause: error,
      details: { path: file },
    });
  }
}

function truncated(path: string, file: string, what: string): TroupeError {
  return new TroupeError(
    "STORE_INVALID",
    `store ${path} is truncated (${what}); restore it from a backup, or move it aside to start an empty store there`,
    { details: { path: file } },
  );
}

function makeParent(path: string, dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
      throw new TroupeError(
        "STORE_PERMISSION",
        `cannot create ${dir} for store ${path}: ${code === "EROFS" ? "read-only file system" : "permission denied"}; run from a directory you can write, or ${ELSEWHERE} in one`,
        { cause: error, details: { path: resolve(path) } },
      );
    }
    if (code === "ENOTDIR" || code === "EEXIST") {
      throw new TroupeError(
        "STORE_INVALID",
        `cannot create ${dir} for store ${path}: part of that path is a file, not a directory; ${ELSEWHERE}`,
        { cause: error, details: { path: resolve(path) } },
      );
    }
    if (code === "ENOSPC")
      throw new TroupeError(
        "STORE_UNAVAILABLE",
        `cannot create ${dir} for store ${path}: the disk is full; free space and try again`,
        { cause: error, details: { path: resolve(path) } },
      );
    throw new TroupeError("STORE_UNAVAILABLE", `cannot create ${dir} for store ${path}: ${(error as Error).message}`, {
      cause: error,
      details: { path: resolve(path) },
    });
  }
}

/** The path with symlinks resolved as far as it exists (so a link into /proc is seen for what it is). */
function realPathOf(file: string): string {
  let existing = file;
  const rest: string[] = [];
  while (!existsSync(existing) && dirname(existing) !== existing) {
    rest.unshift(basename(existing));
    existing = dirname(existing);
  }
  try {
    return join(realpathSync(existing), ...rest);
  } catch (error) {
    logIgnored(defaultLogger(), error, `cannot resolve ${existing}; ${file} is used as given`);
    return file;
  }
}

/** Whether this process may use `path` with `mode` (constants.W_OK | ...). */
function allowed(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    // the answer, not an error: this process may not
    return false;
  }
}

function kindOf(stat: Stats): string {
  if (stat.isFIFO()) return "a FIFO (named pipe)";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isSocket()) return "a socket";
  return "a special file";
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
