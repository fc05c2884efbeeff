import { chainSides } from "./lib/chain-sides.mjs";
const [which = "candidate", checkpoints = "memory", troupe = "custom", length = "10"] = process.argv.slice(2);
const s = chainSides({ length: Number(length), checkpoints, troupe });
const out = [];
for (let b = 0; b < 8; b++) {
  const t0 = performance.now();
  for (let i = 0; i < 50; i++) await s[which].run();
  out.push(((performance.now() - t0) / 50).toFixed(2));
}
console.log(which, checkpoints, troupe, out.join(" "));
await s.teardown();
