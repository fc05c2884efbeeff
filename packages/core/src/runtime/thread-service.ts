import { randomUUID } from "node:crypto";
import type { RunnableTeamGraph } from "../graph/define-pattern.js";
import type { TeamStateValue } from "../protocol/team-state.js";
import type { TeamSpec } from "../spec/team-spec.js";
import type { TeamStore } from "../stores/team-store.js";
import { forkThread } from "./fork-thread.js";
import { runResultOf, type RunResult } from "./run-result.js";
import { threadHistory, type CheckpointInfo } from "./thread-history.js";
import { threadStatus, type ThreadStatus } from "./thread-status.js";

export interface ThreadServiceDeps {
  graph: RunnableTeamGraph;
  store: TeamStore;
  spec: TeamSpec;
  baseDir: string;
}

/** What is known about a team's threads: their checkpoints, state, latest result and status; and forks of them. */
export class ThreadService {
  constructor(private readonly deps: ThreadServiceDeps) {}

  /** The thread's checkpoints, oldest first (see Team.history). */
  history(threadId: string, options: { all?: boolean } = {}): Promise<CheckpointInfo[]> {
    return threadHistory(this.deps.graph, threadId, { all: options.all ?? false, where: this.deps.store.kind });
  }

  /** The latest state of a thread (undefined for an unknown thread). */
  async state(threadId: string): Promise<TeamStateValue | undefined> {
    const snapshot = await this.deps.graph.getState({ configurable: { thread_id: threadId } });
    return snapshot.config.configurable?.checkpoint_id ? (snapshot.values as TeamStateValue) : undefined;
  }

  /** The result of the thread's latest user turn as it stands now (undefined for an unknown thread). */
  async result(threadId: string): Promise<RunResult | undefined> {
    const snapshot = await this.deps.graph.getState({ configurable: { thread_id: threadId } });
    if (!snapshot.config.configurable?.checkpoint_id) return undefined;
    const id = snapshot.config.configurable.checkpoint_id;
    const result = runResultOf(snapshot.values as TeamStateValue, {
      threadId,
      runId: "",
      ...(typeof id === "string" ? { checkpointId: id } : {}),
    });
    // the graph state knows running, completed and failed; the lifecycle knows where the run stopped
    const status = await this.status(threadId);
    if (status && ["paused", "interrupted", "cancelled", "compensating"].includes(status.state))
      return { ...result, status: status.state };
    return result;
  }

  /** Where the thread's latest run stands, and who runs it (see Team.status). */
  status(threadId: string): Promise<ThreadStatus | undefined> {
    return threadStatus(this.deps.store, threadId);
  }

  /**
   * Copies the thread up to `from` (default: the start of its last user turn) into a new thread,
   * `forkId` or `<thread>-fork-<n>`; returns the new thread and the checkpoint the copy ends on.
   */
  async fork(
    threadId: string,
    from: string | undefined,
    forkId: string | true,
  ): Promise<{ threadId: string; from: string }> {
    const branch = await this.history(threadId);
    const upTo =
      from ?? [...branch].reverse().find((c) => c.source === "input")?.checkpointId ?? branch[0]!.checkpointId;
    const id = typeof forkId === "string" ? forkId : `${threadId}-fork-${randomUUID().slice(0, 8)}`;
    await forkThread(this.deps.store.checkpointer, { threadId, upTo, branch: branch.map((c) => c.checkpointId) }, id);
    const info = await this.deps.store.threads.getThread(threadId);
    await this.deps.store.threads.saveThread({
      threadId: id,
      spec: info?.spec ?? this.deps.spec,
      baseDir: info?.baseDir ?? this.deps.baseDir,
    });
    return { threadId: id, from: upTo };
  }

  /** The compiled graph as a Mermaid diagram. */
  async mermaid(): Promise<string> {
    return (await this.deps.graph.getGraphAsync()).drawMermaid();
  }
}
