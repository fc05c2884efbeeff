// Checks that @troupe/core's folders form a DAG in the documented order (docs/architecture.md):
// a file may import from its own folder, from a folder below it, or from the shared top-level
// helpers; never from a folder above. Run by `npm run lint`.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Bottom to top: each folder may import only from those before it (and itself). */
export const LAYERS = [
  ".", // errors, shared helpers
  "protocol",
  "logging",
  "stores",
  "records",
  "bus",
  "resilience",
  "models",
  "authoring",
  "spec",
  "agent",
  "graph",
  "runtime",
];
const ENTRY = "index.ts";

const src = resolve(dirname(fileURLToPath(import.meta.url)), "../packages/core/src");

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith(".ts") ? [path] : [];
  });
}

const layerOf = (file) => {
  const rel = relative(src, file);
  return rel.includes("/") ? rel.split("/")[0] : ".";
};

const problems = [];
const edges = new Map();
for (const file of filesUnder(src)) {
  const rel = relative(src, file);
  const from = layerOf(file);
  if (!LAYERS.includes(from)) problems.push(`${rel}: folder "${from}" is not in scripts/check-layers.mjs LAYERS`);
  if (rel === ENTRY || rel.endsWith(".test.ts")) continue;
  const text = readFileSync(file, "utf8");
  for (const match of text.matchAll(/(?:from\s+|import\(\s*)"(\.{1,2}\/[^"]+)\.js"/g)) {
    const target = resolve(dirname(file), `${match[1]}.ts`);
    const to = layerOf(target);
    if (to === from) continue;
    const key = `${from} -> ${to}`;
    edges.set(key, (edges.get(key) ?? 0) + 1);
    if (relative(src, target) === ENTRY) problems.push(`${rel}: imports the package entry; import the module itself`);
    else if (LAYERS.indexOf(to) > LAYERS.indexOf(from))
      problems.push(`${rel}: ${from}/ imports ${relative(src, target)} from ${to}/, a folder above it`);
  }
}

if (process.argv.includes("--edges")) for (const [edge, n] of [...edges].sort()) console.log(`${edge} (${n})`);
if (problems.length) {
  console.error(`core layering: ${problems.length} upward import(s)\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`core layering: ${LAYERS.length - 1} folders, no upward imports`);
