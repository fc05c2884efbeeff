import { resolve } from "node:path";
import type { CliIO } from "./cli-io.js";

export interface ImportFlags {
  "allow-imports"?: string[] | undefined;
}

/**
 * The directories a spec loaded by this command may import code from: its own directory (where
 * it, or the thread's spec, was read from) plus every `--allow-imports <dir>`, relative to the
 * working directory.
 *
 * @example
 * loadTeam(file, { allowImports: allowedImports(dirname(file), flags, io) });
 */
export function allowedImports(specDir: string | undefined, flags: ImportFlags, io: CliIO): string[] {
  return [
    ...(specDir === undefined ? [] : [specDir]),
    ...(flags["allow-imports"] ?? []).map((dir) => resolve(io.cwd, dir)),
  ];
}
