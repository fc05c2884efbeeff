import { chainSides } from "./lib/chain-sides.mjs";
const [which = "candidate", N = "200"] = process.argv.slice(2);
const s = chainSides({ length: 10, checkpoints: "sqlite" });
for (let i = 0; i < 20; i++) await s[which].run();
const c0 = process.cpuUsage(); const t0 = performance.now();
for (let i = 0; i < Number(N); i++) await s[which].run();
const cu = process.cpuUsage(c0);
console.log(which, "wall", ((performance.now() - t0) / N).toFixed(2), "cpu", ((cu.user + cu.system) / 1000 / N).toFixed(2), "ms/run");
await s.teardown();
