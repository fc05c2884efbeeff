// Runs one benchmark case in this (fresh) process and sends its row to the parent. Each case gets
// its own process so one case's JIT state and heap do not slow the next; within the case, the
// baseline and Troupe still run interleaved in one process.
import { pathToFileURL } from "node:url";
import { runCase } from "./runner.mjs";

const [file, id, quick] = process.argv.slice(2);
const { default: cases } = await import(pathToFileURL(file).href);
const found = cases.find((c) => c.id === id);
const row = found
  ? await runCase(found, { quick: quick === "quick" })
  : { id, title: id, status: "error", error: `no case ${id} in ${file}` };
process.send(row, () => process.exit(0));
