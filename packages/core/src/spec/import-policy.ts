import { existsSync, realpathSync } from "node:fs";
import { resolve, sep } from "node:path";
import { TroupeError } from "../errors.js";

/**
 * The files a spec's `imports:` name, resolved against `baseDir`, each checked to lie in one of
 * `allowed` (directories, and everything below them) BEFORE anything is imported: symlinks are
 * resolved and `..` normalised on both sides, so a link or a `../` cannot lead outside. Throws
 * IMPORT_NOT_ALLOWED naming the import, where it resolves and the flag that would allow it.
 * Entries that are not strings are left for spec validation to report.
 *
 * @example
 * const files = checkImports(["./dist/tools.js"], "/srv/team", ["/srv/team"]);
 */
export function checkImports(
  imports: readonly unknown[],
  baseDir: string,
  allowed: readonly string[],
): Map<number, string> {
  const roots = allowed.map(realDir);
  const files = new Map<number, string>();
  for (const [i, entry] of imports.entries()) {
    if (typeof entry !== "string") continue;
    const target = resolve(baseDir, entry);
    // a missing file is checked by its normalised path, so a refusal does not reveal what exists
    const real = existsSync(target) ? realpathSync(target) : target;
    if (!roots.some((root) => real === root || real.startsWith(root.endsWith(sep) ? root : root + sep))) {
      const where = roots.length
        ? `outside the directories allowed to load code (${roots.join(", ")})`
        : "but this process loads no spec code: no directory was allowed";
      throw new TroupeError(
        "IMPORT_NOT_ALLOWED",
        `spec import ${JSON.stringify(entry)} (imports[${i}]) resolves to ${real}, ${where}; nothing was imported. ` +
          `If you trust that code, allow its directory: --allow-imports <dir> (troupe run, troupe orchestrator) or the allowImports option`,
        { details: { import: entry, resolved: real, allowed: roots } },
      );
    }
    files.set(i, target);
  }
  return files;
}

function realDir(dir: string): string {
  const absolute = resolve(dir);
  return existsSync(absolute) ? realpathSync(absolute) : absolute;
}
