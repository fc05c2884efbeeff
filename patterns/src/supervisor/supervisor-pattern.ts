import { END, START, StateGraph } from "@langchain/langgraph";
import { z } from "zod";
import {
  definePattern,
  didYouMean,
  TeamState,
  type DirectiveOffer,
  type SpecProblem,
  type TeamSpec,
} from "@troupe/core";
import { fallbackAgents, targetsOf } from "../pattern-helpers.js";
import { leadPlan, workerPlan } from "./supervisor-nodes.js";

export const SupervisorOptions = z
  .object({
    /** The agent that routes tasks and decides when the team is done. */
    supervisor: z.string().min(1),
    /** Agents the supervisor may route to (default: every other agent). */
    workers: z.array(z.string()).min(1, "list at least one worker").optional(),
  })
  .strict();

type SupervisorSpec = TeamSpec & z.output<typeof SupervisorOptions>;

/** The workers of a supervisor spec: listed, or every agent but the supervisor. */
export function workersOf(spec: SupervisorSpec): string[] {
  return spec.workers ?? Object.keys(spec.agents).filter((a) => a !== spec.supervisor);
}

/**
 * supervisor: a lead agent routes one task at a time to a worker (a `delegate` tool call), sees
 * each worker's result, and finishes with the answer (a `finish` tool call or a plain answer).
 * Workers get only their task, not the whole history.
 */
export const supervisorPattern = definePattern({
  name: "supervisor",
  description: "A lead agent routes tasks to workers one at a time and decides when the team is done",
  options: SupervisorOptions,
  check(spec) {
    const problems: SpecProblem[] = [];
    const agents = Object.keys(spec.agents);
    if (!spec.agents[spec.supervisor]) {
      problems.push({
        path: "supervisor",
        message: `unknown agent ${JSON.stringify(spec.supervisor)}${didYouMean(spec.supervisor, agents)}; define it under agents`,
      });
      return problems;
    }
    spec.workers?.forEach((w, i) => {
      if (!spec.agents[w])
        problems.push({ path: `workers[${i}]`, message: `unknown agent ${JSON.stringify(w)}${didYouMean(w, agents)}` });
      else if (w === spec.supervisor)
        problems.push({ path: `workers[${i}]`, message: `"${w}" is the supervisor; it cannot also be its own worker` });
      if (spec.workers!.indexOf(w) !== i) problems.push({ path: `workers[${i}]`, message: `"${w}" is listed twice` });
    });
    if (workersOf(spec).length === 0)
      problems.push({
        path: "agents",
        message: `a supervisor team needs at least one worker besides "${spec.supervisor}"`,
      });
    if (spec.workers) {
      for (const a of agents) {
        if (a !== spec.supervisor && !spec.workers.includes(a) && !fallbackAgents(spec).has(a))
          problems.push({ path: `agents.${a}`, message: "unreachable: not the supervisor and not listed in workers" });
      }
    }
    return problems;
  },
  compile(spec, ctx) {
    const lead = spec.supervisor;
    const workers = workersOf(spec);
    const targets = targetsOf(spec, workers);
    const context =
      `You lead the team "${spec.name}". Give one self-contained task at a time to a teammate with the delegate tool; ` +
      `you will see each result. When the user's request is fully answered, call finish with the final answer.`;
    const offers: DirectiveOffer[] = [{ kind: "route", targets }, { kind: "finish" }];
    const graph = new StateGraph(TeamState)
      .addNode(lead, ctx.agentNode(lead, leadPlan(lead, offers, context)), { ends: [...workers, END] })
      .addEdge(START, lead);
    for (const worker of workers)
      graph.addNode(worker, ctx.agentNode(worker, workerPlan(spec, worker, lead)), { ends: [lead, END] });
    return graph;
  },
});
