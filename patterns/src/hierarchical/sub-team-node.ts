import { Command, END, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { TroupeError, userText, usageOf, type Limits, type TeamStateUpdate, type TeamStateValue } from "@troupe/core";
import type { Pending } from "../supervisor/supervisor-nodes.js";
import { enterSubTeam, SUB_TEAM_KEY, type SubTeamLimits } from "./sub-team-limits.js";

/** A compiled sub-team graph, as the node that runs it needs it. */
export interface SubTeamGraph {
  invoke(input: TeamStateUpdate, config: LangGraphRunnableConfig): Promise<TeamStateValue>;
}

export interface SubTeamNodeOptions {
  team: string;
  graph: SubTeamGraph;
  /** Where the graph goes when the sub-team answers (the supervisor that delegated). */
  lead: string;
  /** The sub-team's own limits (caps on one delegation), when its spec sets them. */
  limits?: SubTeamLimits | undefined;
  /** The top-level team's limits. */
  topLimits: Limits;
}

/**
 * A graph node that runs a sub-team as one worker: the delegated task becomes the sub-team's
 * input, it runs in its own state (a LangGraph subgraph, checkpointed under its own namespace with
 * the parent's checkpointer), and its answer comes back as this worker's output. Its agent turns
 * join the parent's steps and turn count, its saga steps the parent's saga log; its failure fails
 * the parent with the same error.
 */
export function subTeamNode(options: SubTeamNodeOptions) {
  const { team, graph, lead } = options;
  return async (state: TeamStateValue, config: LangGraphRunnableConfig): Promise<Command> => {
    const pending = state.scratch.pending as Pending;
    const final = await graph.invoke(
      {
        input: pending.task,
        userTurn: state.userTurn,
        turn: state.turn,
        messages: [userText(pending.task)],
        status: "running",
        output: null,
        error: null,
        scratch: { [SUB_TEAM_KEY]: enterSubTeam(state, team, options.limits, options.topLimits) },
      },
      config,
    );
    const steps = final.steps.filter((s) => s.userTurn === state.userTurn);
    const turns = final.turn - state.turn;
    const update: TeamStateUpdate = {
      outputs: { [team]: final.output },
      steps,
      usage: usageOf(steps),
      // a turn update of 0 would reset the count
      ...(turns > 0 ? { turn: turns } : {}),
      ...(final.activeAgent ? { activeAgent: final.activeAgent } : {}),
      // the saga log is the run's: a failure anywhere compensates the sub-teams' tool calls too
      ...(final.saga.length ? { saga: final.saga } : {}),
      ...(Object.keys(final.compensations).length ? { compensations: final.compensations } : {}),
    };
    if (final.status === "completed") return new Command({ goto: lead, update });
    const error = final.error ?? new TroupeError("INTERNAL", `sub-team "${team}" stopped without an answer`).toInfo();
    const teamPath = [team, ...((error.details?.teamPath as string[] | undefined) ?? [])];
    return new Command({
      goto: END,
      update: { ...update, status: "failed", error: { ...error, details: { ...error.details, teamPath } } },
    });
  };
}
