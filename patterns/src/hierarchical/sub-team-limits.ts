import { END } from "@langchain/langgraph";
import {
  addUsage,
  emptyUsage,
  stepsOfLatestTurn,
  TroupeError,
  usageOf,
  type CompileContext,
  type ErrorInfo,
  type Limits,
  type TeamStateValue,
  type Usage,
} from "@troupe/core";

/** The scratch key a sub-team run keeps its place in the tree under. */
export const SUB_TEAM_KEY = "troupe.subTeam";

export type SubTeamLimits = Partial<Pick<Limits, "maxTurns" | "maxTokens" | "maxCostUsd">>;

/** One sub-team run between the top-level team and the agent about to act. */
export interface SubTeamFrame {
  /** Team names from the top level down, e.g. ["research", "search"]. */
  path: string[];
  /** The tree's turn count when this sub-team run started. */
  startTurn: number;
  /** The tree's usage (this user turn) when this sub-team run started. */
  startUsage: Usage;
  /** The sub-team's own `limits`, when its spec sets them: caps on one delegation. */
  limits?: SubTeamLimits;
}

export interface SubTeamScratch {
  frames: SubTeamFrame[];
  /** The top-level team's token and cost budget for the whole run. */
  budget: SubTeamLimits;
}

export function subTeamScratch(state: Pick<TeamStateValue, "scratch">): SubTeamScratch | undefined {
  return state.scratch[SUB_TEAM_KEY] as SubTeamScratch | undefined;
}

/** What the whole tree has used in this user turn, seen from inside any (sub-)team. */
export function treeUsage(state: Pick<TeamStateValue, "scratch" | "steps" | "userTurn">): Usage {
  const base = subTeamScratch(state)?.frames.at(-1)?.startUsage ?? emptyUsage();
  return addUsage(base, usageOf(stepsOfLatestTurn(state)));
}

/** The scratch a delegation to `team` starts its sub-team run with. */
export function enterSubTeam(
  state: TeamStateValue,
  team: string,
  limits: SubTeamLimits | undefined,
  topLimits: Limits,
): SubTeamScratch {
  const outer = subTeamScratch(state);
  const frame: SubTeamFrame = {
    path: [...(outer?.frames.at(-1)?.path ?? []), team],
    startTurn: state.turn,
    startUsage: treeUsage(state),
    ...(limits ? { limits } : {}),
  };
  const budget = outer?.budget ?? pickBudget(topLimits);
  return { frames: [...(outer?.frames ?? []), frame], budget };
}

/**
 * The compile context a sub-team is built with: its agent nodes also stop the sub-team (failed,
 * typed) before a call that would go past the sub-team's own limits or the top-level budget.
 * Turn counts need no extra check: a sub-team run continues the tree's turn count, so the top
 * level's `limits.maxTurns` bounds every agent turn of the tree.
 */
export function limitedContext(ctx: CompileContext): CompileContext {
  return {
    ...ctx,
    agentNode: (agent, plan) =>
      ctx.agentNode(agent, {
        prepare(state) {
          const call = plan.prepare(state);
          if ("skip" in call) return call;
          const error = overLimit(state);
          return error ? { skip: { goto: END, update: { status: "failed", error } } } : call;
        },
        commit: (state, result, call) => plan.commit(state, result, call),
      }),
  };
}

function overLimit(state: TeamStateValue): ErrorInfo | undefined {
  const scratch = subTeamScratch(state);
  if (!scratch) return undefined;
  const used = treeUsage(state);
  const overall = overBudget(used, scratch.budget, "limits");
  if (overall) return overall;
  for (const frame of scratch.frames) {
    const where = `teams.${frame.path.join(".teams.")}.limits`;
    const turns = state.turn - frame.startTurn;
    const max = frame.limits?.maxTurns;
    if (max !== undefined && turns >= max) {
      return new TroupeError(
        "MAX_TURNS_EXCEEDED",
        `sub-team "${frame.path.join("/")}" used all ${max} of its turns (${where}.maxTurns) without finishing; raise the limit or narrow its task`,
        {
          details: { maxTurns: max, team: frame.path.join("/") },
        },
      ).toInfo();
    }
    const since = {
      ...used,
      inputTokens: used.inputTokens - frame.startUsage.inputTokens,
      outputTokens: used.outputTokens - frame.startUsage.outputTokens,
      costUsd: used.costUsd - frame.startUsage.costUsd,
    };
    const over = overBudget(since, frame.limits ?? {}, where, frame.path.join("/"));
    if (over) return over;
  }
  return undefined;
}

function overBudget(used: Usage, limits: SubTeamLimits, where: string, team?: string): ErrorInfo | undefined {
  const tokens = used.inputTokens + used.outputTokens;
  const who = team ? `sub-team "${team}"` : "the run";
  if (limits.maxTokens !== undefined && tokens > limits.maxTokens) {
    return new TroupeError(
      "BUDGET_EXCEEDED",
      `${who} used ${tokens} tokens, over ${where}.maxTokens ${limits.maxTokens}`,
      {
        details: { tokens, maxTokens: limits.maxTokens, ...(team ? { team } : {}) },
      },
    ).toInfo();
  }
  if (limits.maxCostUsd !== undefined && used.costUsd > limits.maxCostUsd) {
    return new TroupeError(
      "BUDGET_EXCEEDED",
      `${who} cost $${used.costUsd}, over ${where}.maxCostUsd $${limits.maxCostUsd}`,
      {
        details: { costUsd: used.costUsd, maxCostUsd: limits.maxCostUsd, ...(team ? { team } : {}) },
      },
    ).toInfo();
  }
  return undefined;
}

function pickBudget(limits: Limits): SubTeamLimits {
  return {
    ...(limits.maxTokens !== undefined ? { maxTokens: limits.maxTokens } : {}),
    ...(limits.maxCostUsd !== undefined ? { maxCostUsd: limits.maxCostUsd } : {}),
  };
}
