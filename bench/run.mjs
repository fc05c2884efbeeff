// npm run bench: runs the cases of every bench/*.bench.mjs file, each in a fresh process, prints
// a Markdown table and writes bench/results.json. Options: --only <id,...> (case ids or file
// names), --quick (a third of the rounds, for trying things; not for publishing), --out <file>,
// --print (print the table of an existing results file; runs nothing).
import { fork } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { machineInfo } from "./lib/machine.mjs";
import { machineLine, tableOf, writeResults } from "./lib/report.mjs";

const here = dirname(fileURLToPath(import.meta.url));
/** Table order; files not listed (new benchmarks) follow alphabetically. */
const ORDER = ["chain", "supervisor", "swarm", "sqlite", "compile"];

const args = parseArgs(process.argv.slice(2));
const out = resolve(args.out ?? join(here, "results.json"));
if (args.print) {
  const saved = JSON.parse(readFileSync(out, "utf8"));
  console.log(
    `${tableOf(saved.results)}\n\n${machineLine(saved.machine)}${saved.options?.quick ? " (--quick: fewer rounds)" : ""}`,
  );
  process.exit(0);
}
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.mjs"))
  .map((f) => f.slice(0, -".bench.mjs".length))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

const started = performance.now();
const loadAtStart = os.loadavg()[0];
if (loadAtStart > os.cpus().length / 2) {
  console.error(
    `note: 1-min load average is ${loadAtStart.toFixed(1)} on ${os.cpus().length} CPUs; other work skews wall times (see the CPU-time ratio)`,
  );
}
const rows = [];
for (const file of files) {
  const { default: cases } = await import(pathToFileURL(join(here, `${file}.bench.mjs`)).href);
  for (const c of cases) {
    if (args.only && !args.only.some((o) => o === file || c.id === o || c.id.startsWith(`${o}-`))) continue;
    const row = await inFreshProcess(join(here, `${file}.bench.mjs`), c);
    rows.push(row);
    process.stderr.write(`${row.id.padEnd(18)} ${row.status.padEnd(8)} ${row.seconds ?? 0}s\n`);
  }
}

const machine = { ...machineInfo(), loadAverage: { start: round1(loadAtStart), end: round1(os.loadavg()[0]) } };
const table = tableOf(rows);
console.log(`\n${table}\n\n${machineLine(machine)}${args.quick ? " (--quick: fewer rounds)" : ""}`);
writeResults(
  out,
  machine,
  { quick: args.quick, only: args.only ?? null, seconds: Math.round((performance.now() - started) / 100) / 10 },
  rows,
);
console.log(`\nwrote ${out} (${Math.round((performance.now() - started) / 1000)} s)`);
for (const row of rows.filter((r) => r.status === "error")) console.error(`\n${row.id} failed:\n${row.error}`);
process.exitCode = rows.some((r) => r.status === "error") ? 1 : 0;

/** Runs one case in a child process (see lib/case-process.mjs) and returns its row. */
function inFreshProcess(file, c) {
  return new Promise((resolvePromise) => {
    let row;
    const child = fork(join(here, "lib", "case-process.mjs"), [file, c.id, args.quick ? "quick" : "full"], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.on("message", (message) => (row = message));
    child.on("exit", (code) =>
      resolvePromise(
        row ?? {
          id: c.id,
          title: c.title,
          kind: c.kind,
          status: "error",
          error: `the case process exited with code ${code} before reporting`,
        },
      ),
    );
  });
}

function round1(value) {
  return Math.round(value * 10) / 10;
}

function rank(file) {
  const i = ORDER.indexOf(file);
  return i === -1 ? ORDER.length : i;
}

function parseArgs(argv) {
  const out = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => (arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i]);
    if (arg === "--quick") out.quick = true;
    else if (arg === "--print") out.print = true;
    else if (arg.startsWith("--only"))
      out.only = value()
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    else if (arg.startsWith("--out")) out.out = value();
    else if (arg === "--help" || arg === "-h") {
      console.log("usage: node bench/run.mjs [--only chain,supervisor] [--quick] [--out results.json] [--print]");
      process.exit(0);
    } else throw new Error(`unknown option ${arg}; see --help`);
  }
  return out;
}
