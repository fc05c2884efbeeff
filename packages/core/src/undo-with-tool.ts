import type { SagaStep } from "./agent-protocol.js";
import type { Tool } from "./define-tool.js";
import { toTroupeError, TroupeError } from "./errors.js";
import type { ScopedRecords } from "./tool-call.js";

/**
 * Undoes one saga step with its tool's `compensate`, at most once per step (a `compensated:<key>`
 * record marks it done, so a retried or redriven compensation does not refund twice). Used by an
 * agent's host for its agents' calls and by the team for its graph `tool:` nodes.
 *
 * @example
 * const { alreadyDone } = await undoWithTool(chargeCard, step, records, { runId, threadId });
 */
export async function undoWithTool(tool: Tool | undefined, step: SagaStep, records: ScopedRecords | undefined, ids: { runId: string; threadId: string }): Promise<{ alreadyDone: boolean }> {
  if (!tool?.compensate) throw new TroupeError("COMPENSATION_FAILED", `${step.agent} has no compensation for tool ${step.tool}`);
  if (await records?.get(`compensated:${step.key}`)) return { alreadyDone: true };
  const ctx = { ...ids, agent: step.agent, idempotencyKey: `${step.key}:compensate`, signal: new AbortController().signal };
  try {
    await tool.compensate(step.input, step.output, ctx);
  } catch (error) {
    throw toTroupeError(error, "COMPENSATION_FAILED", `compensating ${step.tool}`);
  }
  await records?.put(`compensated:${step.key}`, true);
  return { alreadyDone: false };
}
