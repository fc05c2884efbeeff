import type { SagaStep } from "./agent-protocol.js";
import type { DocStore } from "./record-store.js";
import type { TeamStateValue } from "./team-state.js";

const KIND = "saga_step";

/** Writes a completed compensable tool call to the journal as soon as it happens. */
export async function journalSagaStep(docs: DocStore, threadId: string, step: SagaStep): Promise<void> {
  await docs.put(KIND, step.key, threadId, step);
}

/**
 * The saga of a thread's latest user turn: steps journaled as they completed (including those of
 * an agent call that never returned, because the run was cancelled or the process died) and steps
 * in the checkpointed state, in completion order, without the ones already undone. Last first.
 */
export async function pendingSaga(docs: DocStore | undefined, threadId: string, state: Pick<TeamStateValue, "saga" | "compensations" | "userTurn">): Promise<SagaStep[]> {
  const prefix = `${threadId}:${state.userTurn}:`;
  const journaled = docs ? (await docs.list(KIND, threadId)).map((d) => d.body as SagaStep) : [];
  const seen = new Set<string>();
  const steps: SagaStep[] = [];
  for (const step of [...journaled, ...state.saga]) {
    if (seen.has(step.key) || !step.key.startsWith(prefix)) continue;
    seen.add(step.key);
    steps.push(step);
  }
  return steps.filter((step) => !state.compensations[step.key]).reverse();
}
