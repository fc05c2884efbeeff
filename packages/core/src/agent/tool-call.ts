import type { ApprovalRequest, SagaStep } from "../protocol/agent-protocol.js";
import type { SagaSink } from "../records/saga-journal.js";
import type { Tool } from "../authoring/define-tool.js";
import { toolAttempt } from "../resilience/run-attempt.js";
import { callPipeline, type PipelineSetup } from "../resilience/call-pipeline.js";
import { formatZodIssues } from "../zod-format.js";
import { isRunStop, toTroupeError, TroupeError } from "../errors.js";
import type { EventSink } from "../protocol/events.js";
import type { ScopedRecords } from "../stores/record-store.js";
import { readRecord, RecordKeys, writeRecord } from "../records/record-keys.js";

/** How a live replay treats tools with side effects. */
export interface ToolReplay {
  /** Records of the recorded run (the original thread of a fork). */
  records: ScopedRecords;
  /** Run tools that have `compensate` or are not `idempotent` again instead of answering from the records. */
  liveTools: boolean;
}

/** One call of a tool, by an agent or by a graph node. */
export interface ToolCallRequest {
  tool: Tool;
  input: unknown;
  /** The agent that called it, or the graph node that runs it. */
  caller: string;
  /** The graph node making the call, for a `tool:` node (events name it). */
  node?: string;
  runId: string;
  threadId: string;
  /** The user turn the call belongs to: replays find recorded calls by it. */
  userTurn: number;
  /** Unique per call: node, branch and tool-use id; the same on resume and retry. */
  idempotencyKey: string;
  signal?: AbortSignal;
}

export interface ToolCallDeps {
  emit: EventSink;
  records?: ScopedRecords;
  /** What the call's pipeline is built from (retry, breaker, timeout, interceptors); without it: one attempt under the tool's own timeoutMs. */
  pipeline?: PipelineSetup;
  /** The saga journal: a compensable call is journaled in doubt before it runs and confirmed once it completed, so a cancel or crash can still undo it. */
  saga?: SagaSink;
  /** Set in a live replay. */
  replay?: ToolReplay;
}

export type ToolCallOutcome =
  | { kind: "done"; output: unknown; saga?: SagaStep }
  /** The call needs a person's decision first; nothing ran. */
  | { kind: "approval"; approval: ApprovalRequest }
  /** A person said no, or a live replay would have repeated a side effect; nothing ran. */
  | { kind: "refused"; error: TroupeError };

/**
 * Runs one tool call under the tool contract, the same for an agent's call and a graph `tool:`
 * node: validates the input, asks for approval when the tool wants it, re-uses a recorded result
 * (resume, retry), runs the call through its pipeline (retry, breaker, each attempt with its own
 * timeout and AbortSignal: an abandoned attempt is aborted; your interceptors), journals a
 * compensable result as a saga step and reports a `tool.called` event. A failure is thrown as a TroupeError (a plain throw becomes
 * TOOL_FAILED with the tool's message); a run stop (cancel, run timeout) passes through as is.
 *
 * @example
 * const outcome = await callTool({ tool: chargeCard, input, caller: "payments", runId, threadId, userTurn: 1, idempotencyKey }, { emit, records });
 * if (outcome.kind === "done") console.log(outcome.output);
 */
export async function callTool(call: ToolCallRequest, deps: ToolCallDeps): Promise<ToolCallOutcome> {
  const { tool, caller, idempotencyKey } = call;
  const started = Date.now();
  const report = (fields: { output?: unknown; error?: TroupeError; reused?: boolean; replayed?: boolean }) =>
    deps.emit({
      type: "tool.called",
      agent: caller,
      ...(call.node ? { node: call.node } : {}),
      tool: tool.name,
      input: call.input,
      ...("output" in fields ? { output: fields.output } : {}),
      ...(fields.error ? { error: fields.error.toInfo() } : {}),
      durationMs: Date.now() - started,
      ...(fields.reused ? { reused: true } : {}),
      ...(fields.replayed ? { replayed: true } : {}),
    });
  try {
    const parsed = tool.input.safeParse(call.input);
    if (!parsed.success)
      throw new TroupeError("TOOL_INPUT_INVALID", `tool ${tool.name}: ${formatZodIssues(parsed.error)}`, {
        details: { tool: tool.name },
      });
    const input: unknown = parsed.data;

    const needed = tool.approval?.(input);
    if (needed) {
      const decision = deps.records && (await readRecord(deps.records, RecordKeys.approval(idempotencyKey)));
      if (!decision) {
        return {
          kind: "approval",
          approval: {
            key: idempotencyKey,
            agent: caller,
            tool: tool.name,
            input,
            reason: needed.reason,
            approvers: needed.approvers,
            slaMs: needed.slaMs,
          },
        };
      }
      if (!decision.approved) {
        const error = new TroupeError(
          "APPROVAL_REJECTED",
          `${decision.by} rejected ${tool.name}${decision.comment ? `: ${decision.comment}` : ""}; do not retry this call`,
        );
        report({ error });
        return { kind: "refused", error };
      }
    }

    const saga = (output: unknown): SagaStep | undefined =>
      tool.compensate
        ? { key: idempotencyKey, agent: caller, tool: tool.name, input, output: output ?? null }
        : undefined;
    const stored = deps.records && (await readRecord(deps.records, RecordKeys.tool(idempotencyKey)));
    if (stored) {
      report({ output: stored.output, reused: true });
      return done(stored.output, saga(stored.output));
    }
    if (deps.replay && !deps.replay.liveTools && hasSideEffects(tool)) {
      const recorded = await readRecord(deps.replay.records, replayKey(call, input));
      if (!recorded) {
        const error = new TroupeError(
          "REPLAY_MISS",
          `tool ${tool.name} has side effects (${tool.compensate ? "it has compensate" : "it is not idempotent"}) and the recorded run made no call like this one; a live replay does not repeat side effects unless asked with liveTools: true (--live-tools)`,
        );
        report({ error });
        return { kind: "refused", error };
      }
      report({ output: recorded.output, replayed: true });
      return { kind: "done", output: recorded.output };
    }

    const pending = saga(null);
    if (pending) await deps.saga?.put({ ...pending, inDoubt: true });
    const pipeline = callPipeline("tool", tool.name, deps.pipeline ?? { resilience: {} }, {
      idempotent: tool.idempotent === true,
      timeoutMs: tool.timeoutMs,
    });
    const { runId, threadId } = call;
    const info = { kind: "tool" as const, name: tool.name, attempt: 0, runId, threadId, emit: deps.emit };
    const output = await pipeline({ ...info, ...(call.signal ? { signal: call.signal } : {}) }, ({ signal }) =>
      toolAttempt(tool.name, () =>
        tool.run(input, {
          runId,
          threadId,
          agent: caller,
          idempotencyKey,
          signal: signal ?? new AbortController().signal,
        }),
      ),
    ).catch(async (error: unknown) => {
      // the tool said it failed: nothing to undo; a timeout or a stop leaves the call in doubt
      const typed = toTroupeError(error, "TOOL_FAILED", `tool ${tool.name}`);
      if (pending && typed.code !== "TOOL_TIMEOUT" && !isRunStop(typed)) await deps.saga?.drop(pending.key);
      throw typed;
    });
    if (deps.records) {
      await writeRecord(deps.records, RecordKeys.tool(idempotencyKey), { output: output ?? null });
      // only calls with side effects are answered from the record on a live replay
      if (hasSideEffects(tool)) await writeRecord(deps.records, replayKey(call, input), { output: output ?? null });
    }
    const step = saga(output);
    if (step) await deps.saga?.put(step);
    report({ output });
    return done(output, step);
  } catch (error) {
    const typed = toTroupeError(error, "TOOL_FAILED", `tool ${tool.name}`);
    if (isRunStop(typed)) throw typed;
    report({ error: typed });
    throw typed;
  }
}

function done(output: unknown, saga: SagaStep | undefined): ToolCallOutcome {
  return { kind: "done", output, ...(saga ? { saga } : {}) };
}

/** A tool a live replay must not run again on its own: it has an undo, or repeating it is not safe. */
export function hasSideEffects(tool: Pick<Tool, "compensate" | "idempotent">): boolean {
  return tool.compensate !== undefined || tool.idempotent !== true;
}

/** Where a call's result is found again by what was asked, whatever the tool-use id: user turn, caller, tool, input. */
function replayKey(call: ToolCallRequest, input: unknown) {
  return RecordKeys.toolCall(call.userTurn, call.caller, call.tool.name, input);
}
