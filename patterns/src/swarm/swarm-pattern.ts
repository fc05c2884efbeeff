import { z } from "zod";
import { definePattern } from "@troupe/core";
import { compileTransferGraph } from "../handoff/transfer-graph.js";
import { checkTransfers, transfersOf } from "../handoff/transfer-map.js";

export const SwarmOptions = z
  .object({
    /** The agent that takes a thread's first user message. */
    entry: z.string().min(1),
    /** Allowed transfers, `<from>: [<to>, ...]` (default: every agent may transfer to every other). */
    handoffs: z.record(z.string(), z.array(z.string())).optional(),
  })
  .strict();

/**
 * swarm: agents transfer the conversation among themselves (all-to-all unless `handoffs`
 * restricts it). The active agent is kept in the thread state, so the next user message on the
 * thread goes to the agent that was active last, even from another process.
 */
export const swarmPattern = definePattern({
  name: "swarm",
  description: "Agents hand the conversation to each other; the agent active last takes the thread's next user message",
  options: SwarmOptions,
  check: (spec) => checkTransfers(spec, spec.entry, spec.handoffs),
  compile(spec, ctx) {
    return compileTransferGraph(spec, ctx, {
      entry: spec.entry,
      transfers: transfersOf(spec, spec.handoffs),
      start: "active",
      about: `The user keeps talking to whichever agent has the conversation; agents transfer it to whoever should handle it.`,
    });
  },
});
