import { chainSides } from "./lib/chain-sides.mjs";
import { median } from "./lib/stats.mjs";
const troupe = process.argv[2] ?? "custom";
for (const length of [1, 10, 40]) {
  const s = chainSides({ length, checkpoints: "memory", troupe });
  const res = {};
  for (const side of ["baseline", "candidate"]) { for (let i = 0; i < 10; i++) await s[side].run(); }
  const t = { baseline: [], candidate: [] };
  for (let r = 0; r < 20; r++) for (const side of ["baseline", "candidate"]) { const c0 = process.cpuUsage(); const n = Math.max(1, Math.round(40 / length)); for (let i = 0; i < n; i++) await s[side].run(); const u = process.cpuUsage(c0); t[side].push((u.user + u.system) / 1000 / n); }
  console.log(troupe, length, "cpu ms/run raw", median(t.baseline).toFixed(2), "troupe", median(t.candidate).toFixed(2));
  await s.teardown();
}
