import { z } from "zod";
import { definePattern } from "@troupe/core";
import { compileTransferGraph } from "./transfer-graph.js";
import { checkTransfers, transfersOf } from "./transfer-map.js";

export const HandoffOptions = z
  .object({
    /** The agent that takes every new user message first. */
    entry: z.string().min(1),
    /** Allowed transfers: `<from>: [<to>, ...]`. An agent not listed may only answer. */
    handoffs: z.record(z.string(), z.array(z.string())),
  })
  .strict();

/**
 * handoff: the entry agent takes each user message; any agent may answer (the run ends with its
 * answer) or transfer the conversation to an agent `handoffs` allows, with a task, a reason and an
 * optional typed input. Control does not return unless the receiver transfers back.
 */
export const handoffPattern = definePattern({
  name: "handoff",
  description:
    "Agents transfer the conversation along allowed handoffs with a typed payload; the entry agent starts each user turn",
  options: HandoffOptions,
  check: (spec) => checkTransfers(spec, spec.entry, spec.handoffs),
  compile(spec, ctx) {
    return compileTransferGraph(spec, ctx, {
      entry: spec.entry,
      transfers: transfersOf(spec, spec.handoffs),
      start: "entry",
      about: `Each user message goes to ${spec.entry} first; agents transfer the conversation to whoever should handle it.`,
    });
  },
});
