import type { SagaStep } from "../protocol/agent-protocol.js";
import type { DocStore } from "../stores/record-store.js";
import type { TeamStateValue } from "../protocol/team-state.js";
import { deleteDoc, DocKinds, listDocs, readDoc, writeDoc } from "./record-keys.js";

/** Writes a compensable tool call to the journal: before it runs (`inDoubt`), and again once it completed. */
export async function journalSagaStep(docs: DocStore, threadId: string, step: SagaStep): Promise<void> {
  await writeDoc(docs, DocKinds.sagaStep, step.key, threadId, step);
}

/** Where the tool contract journals compensable calls of one thread as they go. */
export interface SagaSink {
  /** Journals the step: in doubt before the call runs, complete (with its output) once it did. */
  put(step: SagaStep): Promise<void>;
  /** The call failed (the tool said so): nothing to undo. */
  drop(key: string): Promise<void>;
}

/**
 * A thread's saga journal as the tool contract writes it. A call is journaled *before* it runs, in
 * doubt, so a process killed between a tool's side effect and the record of its result still
 * leaves the step to undo; a later compensation settles the doubt by the call's idempotency key.
 *
 * @example
 * const saga = sagaSink(store.docs, threadId);
 * await saga.put({ ...step, inDoubt: true });
 */
export function sagaSink(docs: DocStore, threadId: string, mark: Pick<SagaStep, "local"> = {}): SagaSink {
  return {
    put: (step) => journalSagaStep(docs, threadId, { ...step, ...mark }),
    drop: (key) => deleteDoc(docs, DocKinds.sagaStep, key),
  };
}

/**
 * The saga of a thread's latest user turn: steps journaled as they completed (including those of
 * an agent call that never returned, because the run was cancelled or the process died) and steps
 * in the checkpointed state, in completion order, without the ones already undone. Last first.
 */
export async function pendingSaga(
  docs: DocStore | undefined,
  threadId: string,
  state: Pick<TeamStateValue, "saga" | "compensations" | "userTurn">,
): Promise<SagaStep[]> {
  const prefix = `${threadId}:${state.userTurn}:`;
  const journaled = docs ? (await listDocs(docs, DocKinds.sagaStep, threadId)).map((d) => d.body) : [];
  const seen = new Set<string>();
  const steps: SagaStep[] = [];
  for (const step of [...journaled, ...state.saga]) {
    if (seen.has(step.key) || !step.key.startsWith(prefix)) continue;
    seen.add(step.key);
    steps.push(step);
  }
  return steps.filter((step) => !state.compensations[step.key]).reverse();
}

/**
 * The step the thread journaled under `key`, if any: what a compensation request is checked
 * against (and taken from), so only steps a run of that thread really made can be undone.
 *
 * @example
 * const step = await journaledStep(store.docs, "t-1", request.step.key);
 */
export async function journaledStep(docs: DocStore, threadId: string, key: string): Promise<SagaStep | undefined> {
  const doc = await readDoc(docs, DocKinds.sagaStep, key);
  return doc && doc.threadId === threadId ? doc.body : undefined;
}
