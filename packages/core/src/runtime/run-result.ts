import type { ErrorInfo } from "../errors.js";
import {
  nodesOfLatestTurn,
  stepsOfLatestTurn,
  usageOf,
  type RanNode,
  type RunState,
  type Step,
  type TeamStateValue,
} from "../protocol/team-state.js";
import type { Usage } from "../protocol/usage.js";

/** What a run (or a replay) produced; the same shape `troupe run --json` prints. */
export interface RunResult {
  threadId: string;
  runId: string;
  status: RunState;
  output: unknown;
  /** Agent turns of this user message, in the order agents acted. */
  steps: Step[];
  /**
   * Every node of this user message that ran, in order, each with its `kind` and `node`: agent
   * turns (as in `steps`), `tool:` and `step:` nodes, and agent nodes whose call failed.
   */
  nodes: RanNode[];
  usage: Usage;
  /** Why the run failed; `details` names the `node` and its `agent`, `tool` or `step` when a node failed. */
  error?: ErrorInfo;
  /** The checkpoint the run ended on. */
  checkpointId?: string;
}

export function runResultOf(
  state: TeamStateValue,
  ids: { threadId: string; runId: string; checkpointId?: string },
): RunResult {
  const steps = stepsOfLatestTurn(state);
  return {
    threadId: ids.threadId,
    runId: ids.runId,
    status: state.status,
    output: state.output,
    steps,
    nodes: nodesOfLatestTurn(state),
    usage: usageOf(steps),
    ...(state.error ? { error: state.error } : {}),
    ...(ids.checkpointId ? { checkpointId: ids.checkpointId } : {}),
  };
}
