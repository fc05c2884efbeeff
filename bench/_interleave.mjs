import v8 from "node:v8"; import vm from "node:vm";
v8.setFlagsFromString("--expose-gc"); const gc = vm.runInNewContext("gc");
import { chainSides } from "./lib/chain-sides.mjs";
import { median } from "./lib/stats.mjs";
const mode = process.argv[2];
const s = chainSides({ length: 10, checkpoints: "memory" });
const sides = mode === "alone" ? [s.baseline] : mode === "alone-c" ? [s.candidate] : [s.baseline, s.candidate];
const useGc = process.argv[3] === "gc";
const t = new Map(sides.map(x => [x, []]));
for (let i = 0; i < 10; i++) for (const x of sides) await x.run();
for (let r = 0; r < 30; r++) for (const x of sides) { if (useGc) gc(); const t0 = performance.now(); for (let k = 0; k < 4; k++) await x.run(); t.get(x).push((performance.now() - t0) / 4); }
console.log(mode, useGc ? "gc" : "nogc", sides.map(x => `${x.label}: ${median(t.get(x)).toFixed(2)}`).join("  "));
await s.teardown();
