import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from "node:fs";
import { specError } from "./validate-spec.js";
import { TroupeError } from "../errors.js";
import { SPEC_LIMITS } from "./spec-limits.js";

/**
 * The text of a spec file, read only when it is safe to: a missing file is SPEC_NOT_FOUND; a
 * directory, FIFO, socket or device (`/dev/zero`) is refused from its stat, before it is opened;
 * a file over {@link SPEC_LIMITS}.maxFileBytes is refused before it is read, and at most that
 * many bytes are ever read (in case it grows); bytes that are not UTF-8 are refused. Every refusal
 * is SPEC_INVALID with one `(file): ...` problem. `shown` is the path as the user wrote it.
 *
 * @example
 * const text = readSpecText(resolve("team.yaml"), "team.yaml");
 */
export function readSpecText(file: string, shown = file): string {
  const refuse = (message: string, cause?: unknown) => {
    const error = specError([{ path: "(file)", message }], shown);
    return cause === undefined
      ? error
      : new TroupeError(error.code, error.message, { cause, details: error.details ?? {} });
  };
  let stats: Stats | undefined;
  try {
    stats = statSync(file, { throwIfNoEntry: false });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOTDIR") throw refuse(`cannot read it: ${reasonOf(error)}`, error);
  }
  if (!stats) throw new TroupeError("SPEC_NOT_FOUND", `spec file not found: ${shown}; check the path`);
  const kind = notRegular(stats);
  if (kind) throw refuse(`is ${kind}, not a regular file; name a .yaml or .json spec file`);
  if (stats.size > SPEC_LIMITS.maxFileBytes) throw refuse(tooBig(`${stats.size} bytes`));
  let fd: number;
  try {
    // O_NONBLOCK: if the path was swapped for a FIFO since the stat, opening it still returns at once
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw refuse(`cannot read it: ${reasonOf(error)}`, error);
  }
  try {
    const opened = fstatSync(fd);
    const swapped = notRegular(opened);
    if (swapped) throw refuse(`is ${swapped}, not a regular file; name a .yaml or .json spec file`);
    const buffer = Buffer.alloc(Math.min(opened.size, SPEC_LIMITS.maxFileBytes) + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n)
      n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > SPEC_LIMITS.maxFileBytes) throw refuse(tooBig(`more than ${SPEC_LIMITS.maxFileBytes} bytes`));
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(buffer.subarray(0, length));
    } catch {
      throw refuse("is not UTF-8 text (a binary file?); a spec is YAML or JSON text");
    }
  } finally {
    closeSync(fd);
  }
}

function notRegular(stats: Stats): string | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a named pipe (FIFO)";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  return "not a regular file";
}

function tooBig(size: string): string {
  return `is ${size}, over the limit of ${SPEC_LIMITS.maxFileBytes} (1 MiB); a team spec is a few KB, check that this is the right file`;
}

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ELOOP") return "too many symbolic links (a link loop?)";
  if (code === "ENAMETOOLONG") return "the path is too long";
  return error instanceof Error ? error.message : String(error);
}
