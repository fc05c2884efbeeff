import type { StateSnapshot } from "@langchain/langgraph";
import type { RunnableTeamGraph } from "../graph/define-pattern.js";
import { TroupeError } from "../errors.js";
import type { TeamStateValue } from "../protocol/team-state.js";

/** One checkpoint of a thread, as `troupe history` lists it. */
export interface CheckpointInfo {
  checkpointId: string;
  parentId?: string;
  step: number;
  source: string;
  userTurn: number;
  /** The agent that acted last when the checkpoint was taken. */
  agent: string | null;
  /** Nodes that run next from here. */
  next: string[];
  createdAt: string;
}

/**
 * A thread's checkpoints, oldest first: the current branch (the latest checkpoint and its
 * ancestors), or every checkpoint of every branch with `all`.
 */
export async function threadHistory(
  graph: RunnableTeamGraph,
  threadId: string,
  options: { all: boolean; where: string },
): Promise<CheckpointInfo[]> {
  const list: CheckpointInfo[] = [];
  for await (const snapshot of graph.getStateHistory({ configurable: { thread_id: threadId } }))
    list.push(checkpointInfo(snapshot));
  if (!list.length)
    throw new TroupeError(
      "THREAD_UNKNOWN",
      `no checkpoints for thread "${threadId}" in ${options.where}; check the thread id and --store`,
    );
  if (options.all) return list.reverse();
  const byId = new Map(list.map((c) => [c.checkpointId, c]));
  const branch: CheckpointInfo[] = [];
  for (let c: CheckpointInfo | undefined = list[0]; c; c = c.parentId ? byId.get(c.parentId) : undefined)
    branch.push(c);
  return branch.reverse();
}

function checkpointInfo(snapshot: StateSnapshot): CheckpointInfo {
  const values = (snapshot.values ?? {}) as Partial<TeamStateValue>;
  const metadata = (snapshot.metadata ?? {}) as { step?: number; source?: string };
  const parentId = snapshot.parentConfig?.configurable?.checkpoint_id;
  return {
    checkpointId: String(snapshot.config.configurable?.checkpoint_id),
    ...(typeof parentId === "string" ? { parentId } : {}),
    step: metadata.step ?? -1,
    source: metadata.source ?? "loop",
    userTurn: values.userTurn ?? 0,
    agent: values.activeAgent ?? null,
    next: [...snapshot.next],
    createdAt: snapshot.createdAt ?? "",
  };
}
