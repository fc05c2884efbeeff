import { latestRunId, readEvents, type TeamStore } from "@troupe/core";
import type { CliIO } from "../cli-io.js";
import { traceWaterfall } from "../trace-waterfall.js";

/**
 * `troupe trace <thread>`: a waterfall of the thread's latest run from its stored events: nodes,
 * agent turns, tool calls, model calls, durations, tokens and cost, the failing node marked ✗.
 */
export async function traceCommand(store: TeamStore, threadId: string, io: CliIO): Promise<number> {
  const runId = await latestRunId(store.events, threadId);
  if (!runId) {
    io.err(`no events stored for thread ${threadId} in ${store.kind} (see troupe threads)`);
    return 1;
  }
  const events = (await readEvents(store.events, threadId, { runId })).map((logged) => logged.event);
  io.out(`run ${runId} of thread ${threadId} (${events[0]?.at ?? "?"})`);
  for (const line of traceWaterfall(events)) io.out(line);
  return 0;
}
