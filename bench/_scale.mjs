import { rawSupervisorGraph, supervisorSpec, compileTeam } from "./compile.bench.mjs";
import { scriptedClient } from "./lib/scripted-client.mjs";
const which = process.argv[2];
for (const n of [1000, 2000, 5000, 10000, 20000]) {
  const raw = supervisorSpec(n);
  const times = [];
  for (let i = 0; i < 5; i++) { const t = performance.now(); which === "raw" ? rawSupervisorGraph(raw) : compileTeam(raw, scriptedClient({})); times.push(performance.now() - t); }
  times.sort((a, b) => a - b);
  console.log(which, n, times.map(t => t.toFixed(0)).join(" "), "median/agent µs", (times[2] * 1000 / n).toFixed(1));
}
