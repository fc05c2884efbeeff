import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isTroupeError } from "../errors.js";
import { importSpecModules } from "../runtime/load-team.js";

// root/
//   outside.mjs          writes outside.marker when imported
//   team/inside.mjs      writes inside.marker when imported
//   team/link.mjs ->     ../outside.mjs
const root = mkdtempSync(join(tmpdir(), "troupe-imports-"));
const team = join(root, "team");
mkdirSync(team);
const module = (marker: string) =>
  `import { writeFileSync } from "node:fs";\nwriteFileSync(new URL("./${marker}", import.meta.url), "imported");\nexport const loaded = true;\n`;
writeFileSync(join(root, "outside.mjs"), module("outside.marker"));
writeFileSync(join(team, "inside.mjs"), module("inside.marker"));
symlinkSync(join(root, "outside.mjs"), join(team, "link.mjs"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function refusal(imports: string[], allow?: string[]) {
  const error = await importSpecModules({ imports }, team, allow).catch((e: unknown) => e);
  if (!isTroupeError(error, "IMPORT_NOT_ALLOWED")) throw new Error(`expected IMPORT_NOT_ALLOWED, got ${String(error)}`);
  return error;
}

describe("spec imports load only from allowed directories", () => {
  it("by default a spec imports from its own directory, and nothing above it", async () => {
    const error = await refusal(["./inside.mjs", "../outside.mjs"]);
    expect(error.message).toContain('"../outside.mjs" (imports[1]) resolves to');
    expect(error.message).toContain(join(root, "outside.mjs"));
    expect(error.message).toContain("--allow-imports <dir>");
    expect(error.details).toMatchObject({ import: "../outside.mjs", resolved: expect.stringMatching(/outside\.mjs$/) });
    // checked before anything is imported: not even the allowed module ran
    expect(existsSync(join(team, "inside.marker"))).toBe(false);
    expect(existsSync(join(root, "outside.marker"))).toBe(false);
  });

  it("a symlink, a path that climbs out with .., and an absolute path are judged by where they really lead", async () => {
    expect((await refusal(["./link.mjs"])).message).toMatch(
      /"\.\/link\.mjs" \(imports\[0\]\) resolves to .*outside\.mjs, outside the directories allowed/,
    );
    expect((await refusal(["./sub/../../outside.mjs"])).details?.resolved).toMatch(/outside\.mjs$/);
    await refusal([join(root, "outside.mjs")]);
    // a missing file outside is refused the same way, so a refusal tells nothing about what exists
    await refusal(["../../etc/no-such-module.mjs"]);
    expect(existsSync(join(root, "outside.marker"))).toBe(false);
  });

  it("an empty allow list refuses every import; an allowed directory lets its modules run", async () => {
    expect((await refusal(["./inside.mjs"], [])).message).toMatch(/no directory was allowed/);
    expect(existsSync(join(team, "inside.marker"))).toBe(false);
    const loaded = await importSpecModules({ imports: ["./inside.mjs", "../outside.mjs"] }, team, [team, root]);
    expect(loaded.problems).toEqual([]);
    expect(existsSync(join(team, "inside.marker"))).toBe(true);
    expect(existsSync(join(root, "outside.marker"))).toBe(true);
  });
});
