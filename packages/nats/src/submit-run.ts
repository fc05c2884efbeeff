import type { NatsBus } from "./nats-bus.js";
import { RunQueue, type SubmitRunInput } from "./run-queue.js";
import type { RunRequest } from "./run-request.js";

/**
 * Submits a run to the bus's namespace queue, for whichever orchestrator takes it next.
 *
 * @example
 * const { raw, baseDir } = readSpecFile("team.yaml");
 * const { threadId } = await submitRun(bus, { spec: raw, baseDir, input: "Order 3 lamps to Berlin" });
 * // or a team the orchestrators registered with `troupe orchestrator --team`: no spec, no code paths
 * await submitRun(bus, { team: { name: "order-saga" }, input: "Order 2 lamps to Berlin" });
 */
export async function submitRun(bus: NatsBus, input: SubmitRunInput): Promise<RunRequest> {
  const queue = await RunQueue.open(bus.connection, { namespace: bus.namespace });
  return queue.submit(input);
}
