import { chainSides } from "./lib/chain-sides.mjs";
const [which = "candidate", checkpoints = "memory", troupe = "custom", length = "10"] = process.argv.slice(2);
const s = chainSides({ length: Number(length), checkpoints, troupe });
for (let i = 0; i < 20; i++) await s[which].run();
const t0 = performance.now();
const N = 200;
for (let i = 0; i < N; i++) await s[which].run();
console.log(which, checkpoints, troupe, ((performance.now() - t0) / N).toFixed(2), "ms/run");
await s.teardown();
