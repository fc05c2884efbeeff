import type { SagaStep } from "../protocol/agent-protocol.js";
import type { Tool } from "../authoring/define-tool.js";
import { toTroupeError, TroupeError } from "../errors.js";
import type { ScopedRecords } from "../stores/record-store.js";
import { readRecord, RecordKeys, writeRecord } from "../records/record-keys.js";
import { defaultLogger, logIgnored, type Logger } from "../logging/logger.js";

/**
 * Undoes one saga step with its tool's `compensate`, at most once per step (a `compensated:<key>`
 * record marks it done, so a retried or redriven compensation does not refund twice). A step in
 * doubt (journaled before its call, never confirmed) is settled first by its idempotency key. Used by an
 * agent's host for its agents' calls and by the team for its graph `tool:` nodes.
 *
 * @example
 * const { alreadyDone } = await undoWithTool(chargeCard, step, records, { runId, threadId });
 */
export async function undoWithTool(
  tool: Tool | undefined,
  step: SagaStep,
  records: ScopedRecords | undefined,
  ids: { runId: string; threadId: string },
  logger: Logger = defaultLogger(),
): Promise<{ alreadyDone: boolean }> {
  if (!tool?.compensate)
    throw new TroupeError("COMPENSATION_FAILED", `${step.agent} has no compensation for tool ${step.tool}`);
  if (records && (await readRecord(records, RecordKeys.compensated(step.key)))) return { alreadyDone: true };
  const settled = step.inDoubt
    ? await settleDoubt(tool, step, records, ids, logger)
    : { done: true, output: step.output };
  if (!settled.done) return { alreadyDone: true };
  const ctx = {
    ...ids,
    agent: step.agent,
    idempotencyKey: `${step.key}:compensate`,
    signal: new AbortController().signal,
  };
  try {
    await tool.compensate(step.input, settled.output, ctx);
  } catch (error) {
    throw toTroupeError(error, "COMPENSATION_FAILED", `compensating ${step.tool}`);
  }
  if (records) await writeRecord(records, RecordKeys.compensated(step.key), true);
  return { alreadyDone: false };
}

/**
 * Whether a call journaled in doubt took effect, and its output: its recorded result when the
 * record was written, else the tool run again with the call's own idempotency key (a tool that
 * honours the contract answers a repeat with the original result and no second effect). A throw
 * means it never took effect: nothing to undo.
 */
async function settleDoubt(
  tool: Tool,
  step: SagaStep,
  records: ScopedRecords | undefined,
  ids: { runId: string; threadId: string },
  logger: Logger,
): Promise<{ done: boolean; output?: unknown }> {
  const recorded = records && (await readRecord(records, RecordKeys.tool(step.key)));
  if (recorded) return { done: true, output: recorded.output };
  try {
    const output = await tool.run(step.input, {
      ...ids,
      agent: step.agent,
      idempotencyKey: step.key,
      signal: new AbortController().signal,
    });
    if (records) await writeRecord(records, RecordKeys.tool(step.key), { output: output ?? null });
    return { done: true, output };
  } catch (error) {
    logIgnored(
      logger,
      error,
      `in-doubt ${step.tool} call ${step.key} failed when repeated: it never took effect, nothing to undo`,
    );
    return { done: false };
  }
}
