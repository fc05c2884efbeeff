// The process the chaos test (test/chaos.int.test.ts) SIGKILLs and restarts. It works through
// threads <prefix>-1..<prefix>-N of one SQLite store: a thread left unfinished by a killed runner is
// resumed (taken over), one that never ran is run, a settled one is left alone. It loads the team
// the way the CLI does (`loadTeam` with a SQLite store) and imports the built packages, so run
// `npm run build` first.
//
//   node test/chaos-runner.mjs <spec> <store.sqlite> <prefix> <N> [concurrency] [--standby]
//
// With --standby it loads the team, prints `ready` and waits for a line `go` on stdin before it
// touches a thread: a warm spare that takes over the moment the owner is killed (loading the
// packages takes seconds on a small machine; the takeover itself does not).
// Prints one line per event on stdout: `ready`, `go`, `run <thread> <state>`,
// `resume <thread> <state>[/<stalled>]`, `done <thread> <state>`, `error <thread> <code> <message>`,
// and last `settled <count>` or `unsettled <threads...>`.
import { createInterface } from "node:readline";
import { isTroupeError } from "@troupe/core";
import { sqliteStore } from "@troupe/store-sqlite";
import { loadTeam } from "@troupe/patterns";

const args = process.argv.slice(2).filter((a) => a !== "--standby");
const standby = process.argv.includes("--standby");
const [spec, storePath, prefix, countArg, concurrencyArg] = args;
if (!spec || !storePath || !prefix || !countArg) {
  console.error("usage: node test/chaos-runner.mjs <spec> <store.sqlite> <prefix> <N> [concurrency]");
  process.exit(2);
}
const count = Number(countArg);
const concurrency = Number(concurrencyArg ?? 4);

const UNFINISHED = new Set(["running", "compensating", "interrupted", "paused"]);
const SETTLED = new Set(["completed", "failed", "cancelled"]);
const ITEMS = ["lamp", "desk", "chair", "rug", "shelf", "clock"];
const PLACES = ["Berlin", "Oslo", "Lisbon", "Vienna", "Turin"];

/**
 * The order of thread n. Every fourth order goes to Atlantis, where no carrier delivers: shipping
 * fails and the saga refunds the charge and releases the reservation.
 */
function orderOf(n) {
  return `Order ${1 + (n % 5)} ${ITEMS[n % ITEMS.length]}s to ${n % 4 === 0 ? "Atlantis" : PLACES[n % PLACES.length]} (#${n})`;
}

// env {}: no API key reaches the team, so it runs on the offline model whatever the caller's shell has
const team = await loadTeam(spec, { store: sqliteStore(storePath), env: {} });
console.log("ready");
if (standby) {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line.trim() === "go") break;
  lines.close();
  console.log("go");
}

/** Brings one thread to a settled state; returns that state (or the unsettled one it was left in). */
async function settle(threadId, n) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const status = await team.status(threadId);
    const state = status?.state ?? "new";
    if (SETTLED.has(state)) return state;
    const resuming = UNFINISHED.has(state);
    console.log(
      `${resuming ? "resume" : "run"} ${threadId} ${state}${status?.ownerLost ? `/${status.ownerLost.stalled}` : ""}`,
    );
    try {
      // "created": a runner was killed after opening the run's lifecycle but before it started; run it
      if (resuming) await team.resume(threadId);
      else await team.run(orderOf(n), { threadId });
    } catch (error) {
      // a failed or cancelled run rejects with its error; the status says whether it settled
      if (!isTroupeError(error)) throw error;
      const after = (await team.status(threadId))?.state;
      if (!after || !SETTLED.has(after))
        console.log(`error ${threadId} ${error.code} ${error.message.replace(/\s+/g, " ")}`);
    }
  }
  return (await team.status(threadId))?.state ?? "new";
}

const unsettled = [];
let next = 1;
async function worker() {
  while (next <= count) {
    const n = next++;
    const threadId = `${prefix}-${n}`;
    const state = await settle(threadId, n);
    if (!SETTLED.has(state)) unsettled.push(threadId);
    console.log(`done ${threadId} ${state}`);
  }
}
await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
await team.close();
console.log(unsettled.length ? `unsettled ${unsettled.join(" ")}` : `settled ${count}`);
process.exit(unsettled.length ? 1 : 0);
