import {
  appendUser,
  closeDangling,
  finishOutcome,
  type AgentNodePlan,
  type DirectiveOffer,
  type TeamSpec,
} from "@troupe/core";
import { resultText } from "../pattern-helpers.js";

/** A delegation the lead made and waits on, kept in `scratch.pending`. */
export interface Pending {
  toolUseId: string;
  worker: string;
  task: string;
}

/**
 * The lead of a supervised team: starts each run with the user's request, then continues its own
 * transcript with each worker's result as the answer to its `delegate` call; routes or finishes.
 */
export function leadPlan(lead: string, offers: DirectiveOffer[], context: string): AgentNodePlan {
  return {
    prepare(state) {
      const transcript = state.transcripts[lead] ?? [];
      const pending = state.scratch.pending as Pending | undefined;
      // a new run starts at turn 0 (a sub-team run starts with no pending delegation)
      if (state.turn === 0 || !pending)
        return { task: state.input, messages: closeDangling(transcript), offers, context };
      const result = {
        type: "tool_result" as const,
        toolUseId: pending.toolUseId,
        content: resultText(state.outputs[pending.worker]),
      };
      return { task: "", messages: appendUser(transcript, [result]), offers, context };
    },
    commit(_state, result) {
      const d = result.directive;
      if (d.type === "route")
        return { goto: d.to, update: { scratch: { pending: { toolUseId: d.toolUseId, worker: d.to, task: d.task } } } };
      return finishOutcome(result.output, { scratch: { pending: null } });
    },
  };
}

/** A worker of a supervised team: gets only the task the lead delegated, answers, hands back. */
export function workerPlan(spec: TeamSpec, worker: string, lead: string): AgentNodePlan {
  return {
    prepare(state) {
      const pending = state.scratch.pending as Pending;
      return {
        task: pending.task,
        context: `You are ${worker} in the team "${spec.name}". The lead gave you a task as part of the user's request: ${JSON.stringify(state.input)}. Do that task and answer with its result.`,
      };
    },
    commit: () => ({ goto: lead }),
  };
}
