import type { BaseCheckpointSaver, PendingWrite } from "@langchain/langgraph-checkpoint";
import { TroupeError } from "../errors.js";

/**
 * Copies one branch of a thread's checkpoints (root namespace), from its first checkpoint up to
 * `upTo`, into a new thread, pending writes included, so the new thread can be replayed or
 * continued from there while the original stays as it was.
 */
export async function forkThread(
  checkpointer: BaseCheckpointSaver,
  from: { threadId: string; upTo: string; branch: string[] },
  toThreadId: string,
): Promise<void> {
  const ids = from.branch.slice(0, from.branch.indexOf(from.upTo) + 1);
  if (!ids.length)
    throw new TroupeError(
      "CHECKPOINT_UNKNOWN",
      `thread "${from.threadId}" has no checkpoint "${from.upTo}" on its current branch`,
    );
  const existing = await checkpointer.getTuple({ configurable: { thread_id: toThreadId, checkpoint_ns: "" } });
  if (existing)
    throw new TroupeError("SPEC_INVALID", `thread "${toThreadId}" already exists; fork into a new thread id`);
  let parent: string | undefined;
  for (const id of ids) {
    const tuple = await checkpointer.getTuple({
      configurable: { thread_id: from.threadId, checkpoint_ns: "", checkpoint_id: id },
    });
    if (!tuple)
      throw new TroupeError("CHECKPOINT_UNKNOWN", `checkpoint "${id}" of thread "${from.threadId}" could not be read`);
    const written = await checkpointer.put(
      { configurable: { thread_id: toThreadId, checkpoint_ns: "", ...(parent ? { checkpoint_id: parent } : {}) } },
      tuple.checkpoint,
      tuple.metadata ?? { source: "fork", step: -1, parents: {} },
      tuple.checkpoint.channel_versions,
    );
    const byTask = new Map<string, PendingWrite[]>();
    for (const [taskId, channel, value] of tuple.pendingWrites ?? [])
      byTask.set(taskId, [...(byTask.get(taskId) ?? []), [channel, value]]);
    for (const [taskId, writes] of byTask) await checkpointer.putWrites(written, writes, taskId);
    parent = id;
  }
}
