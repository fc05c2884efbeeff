import { compileTeam, supervisorSpec } from "./compile.bench.mjs";
import { scriptedClient } from "./lib/scripted-client.mjs";
const raw = supervisorSpec(10000);
for (let k = 0; k < 8; k++) { const t = performance.now(); compileTeam(raw, scriptedClient({})); console.log((performance.now() - t).toFixed(0)); }
