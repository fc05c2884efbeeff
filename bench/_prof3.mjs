import { chainSides } from "./lib/chain-sides.mjs";
const which = process.argv[2] ?? "candidate";
const s = chainSides({ length: 10, checkpoints: "memory" });
for (let i = 0; i < 30; i++) await s[which].run();
const t0 = performance.now();
for (let i = 0; i < 300; i++) await s[which].run();
console.log(which, (performance.now() - t0) / 300, "ms/run");
await s.teardown();
