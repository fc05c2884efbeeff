import { measureConcurrentRuns as measureHopLatency } from "./nats-runs.mjs";
const t=Date.now();
console.log(JSON.stringify(await measureHopLatency({ quick: process.argv[2]==="quick" }), null, 1), Date.now()-t);
