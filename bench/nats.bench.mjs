// Troupe over NATS (issue 6): each case starts its own nats-server with JetStream on loopback
// (startNatsServer from @troupe/testing, a temp store) and stops it. These rows are percentiles,
// throughput, memory and a burst of runs, not a time per run, so each case measures itself
// (`measure`, see lib/runner.mjs); the in-process bus is the baseline where one makes sense.
import { measureHopLatency } from "./lib/nats-latency.mjs";
import { measureAgentMemory } from "./lib/nats-memory.mjs";
import { measureConcurrentRuns } from "./lib/nats-runs.mjs";
import { measureEventThroughput } from "./lib/nats-throughput.mjs";

export default [
  {
    id: "nats-hop",
    title: "agent hop over NATS vs InProcessBus (invokeAgent → serveAgent, 2,000 sequential calls)",
    kind: "absolute",
    goal: { text: "added p50 ≤ 1 ms, p99 ≤ 5 ms" },
    measure: measureHopLatency,
  },
  {
    id: "nats-events",
    title: "run events into JetStream from one process (RunEventLog.append, 1,000 runs at once)",
    kind: "absolute",
    goal: { text: "≥ 100k events/s" },
    measure: measureEventThroughput,
  },
  {
    id: "nats-agents-10k",
    title: "10,000 agents served (serveAgent on one NatsBus) and registered (AgentRegistry): memory",
    kind: "absolute",
    goal: { text: "< 1 GB RSS" },
    measure: measureAgentMemory,
  },
  {
    id: "nats-runs-1000",
    title: "1,000 concurrent supervisor runs (lead + 1 worker) over NATS vs InProcessBus",
    kind: "absolute",
    goal: { text: "all complete" },
    measure: measureConcurrentRuns,
  },
];
