import type {
  AgentResult,
  ApprovalRequest,
  Directive,
  ParsedAgentRequest,
  SagaStep,
} from "../protocol/agent-protocol.js";
import { callTool, type ToolReplay } from "./tool-call.js";
import type { PipelineSetup } from "../resilience/call-pipeline.js";
import type { ScopedRecords } from "../stores/record-store.js";
import type { SagaSink } from "../records/saga-journal.js";
import { readRecord, RecordKeys, writeRecord } from "../records/record-keys.js";
import type { Agent } from "../authoring/define-agent.js";
import { formatZodIssues, jsonSchemaOf } from "../zod-format.js";
import { directiveToolSpecs, readDirectiveCall, RESPOND_TOOL } from "../protocol/directive-tools.js";
import { isRunStop, toTroupeError, TroupeError } from "../errors.js";
import type { EventSink } from "../protocol/events.js";
import { appendUser, textOf, type ChatMessage, type ContentBlock, type ToolResultBlock } from "../protocol/messages.js";
import type { ModelClient, ToolSpec } from "../protocol/model-client.js";
import { addUsage, emptyUsage, type Usage } from "../protocol/usage.js";

export interface RunAgentDeps {
  model: ModelClient;
  emit: EventSink;
  signal?: AbortSignal;
  /**
   * Where model answers and tool results are kept by idempotency key, so a resumed or retried
   * request re-uses them: no second model bill, no second side effect.
   */
  records?: ScopedRecords;
  /** The saga journal: compensable tool calls are journaled as they go, so a cancel or crash mid-request can still undo them. */
  saga?: SagaSink;
  /** What each tool call's pipeline is built from (retry, breaker, attempt timeout, interceptors). */
  pipeline?: PipelineSetup;
  /** Set in a live replay: tools with side effects answer from the recorded run. */
  replay?: ToolReplay;
}

/**
 * Runs one agent request: the agent's own model<->tool loop, bounded by `maxSteps`.
 * Stops at a coordination directive (delegate, finish, transfer), a plain answer, or a valid
 * structured answer. A structured answer that fails validation is sent back once, then fails.
 */
export async function runAgent(agent: Agent, request: ParsedAgentRequest, deps: RunAgentDeps): Promise<AgentResult> {
  const signal = withDeadline(deps.signal, request.deadline);
  const tools = new Map(agent.tools.map((t) => [t.name, t]));
  const toolSpecs: ToolSpec[] = [
    ...agent.tools.map((t) => t.spec),
    ...directiveToolSpecs(request.offers),
    ...(agent.output
      ? [
          {
            name: RESPOND_TOOL,
            description: "Give your final answer in the required structure.",
            inputSchema: jsonSchemaOf(agent.output),
          },
        ]
      : []),
  ];
  let messages: ChatMessage[] = request.messages;
  const taskText = taskWithInput(agent, request);
  if (taskText) messages = appendUser(messages, [{ type: "text", text: taskText }]);
  let usage: Usage = emptyUsage();
  let outputFailures = 0;
  const saga: SagaStep[] = [];
  const done = (output: unknown, directive: Directive): AgentResult => ({
    agent: agent.name,
    output,
    messages,
    usage,
    directive,
    saga,
  });

  for (let step = 0; step < agent.maxSteps; step++) {
    signal?.throwIfAborted();
    const modelKey = RecordKeys.model(request.idempotencyKey, step);
    const recorded = deps.records && (await readRecord(deps.records, modelKey));
    const response =
      recorded ??
      (await deps.model
        .generate({
          agent: agent.name,
          system: systemPrompt(agent, request),
          messages,
          tools: toolSpecs,
          ...(signal ? { signal } : {}),
          ...(request.stream
            ? { onDelta: (delta) => deps.emit({ type: "model.delta", agent: agent.name, delta }) }
            : {}),
        })
        .catch((error: unknown) => {
          throw toTroupeError(error, "MODEL_UNKNOWN", `agent ${agent.name}: model ${deps.model.id}`);
        }));
    if (!recorded && deps.records) await writeRecord(deps.records, modelKey, response);
    usage = addUsage(usage, { ...response.usage, modelCalls: 1 });
    const content: ContentBlock[] = response.content.length
      ? response.content
      : [{ type: "text", text: "(no answer)" }];
    messages = [...messages, { role: "assistant", content }];
    const calls = content.filter((b) => b.type === "tool_use");

    if (calls.length === 0) {
      if (!agent.output) return done(textOf(messages.at(-1)), { type: "finish" });
      // a structured agent answered in prose: try it as JSON, else ask once more
      const parsed = agent.output.safeParse(tryJson(textOf(messages.at(-1))));
      if (parsed.success) return done(parsed.data, { type: "finish" });
      outputFailures = failOutput(agent, outputFailures, formatZodIssues(parsed.error));
      messages = appendUser(messages, [
        { type: "text", text: `Answer with the ${RESPOND_TOOL} tool; ${formatZodIssues(parsed.error)}` },
      ]);
      continue;
    }

    const results: ToolResultBlock[] = [];
    let directive: Directive | undefined;
    let finalOutput: unknown;
    let hasFinal = false;
    for (const call of calls) {
      const read = readDirectiveCall(request.offers, call, agent.name);
      if (read.kind === "directive") {
        if (directive || hasFinal) {
          results.push(errorResult(call.id, "only one coordination call per turn; this one was ignored"));
          continue;
        }
        directive = read.directive;
        if (read.directive.type === "finish") {
          results.push({ type: "tool_result", toolUseId: call.id, content: "finished" });
          finalOutput = read.answer ?? "";
          hasFinal = true;
          directive = undefined;
        }
        continue;
      }
      if (read.kind === "error") {
        results.push(errorResult(call.id, read.message));
        continue;
      }
      if (call.name === RESPOND_TOOL && agent.output) {
        const parsed = agent.output.safeParse(call.input);
        if (parsed.success && !directive) {
          results.push({ type: "tool_result", toolUseId: call.id, content: "received" });
          finalOutput = parsed.data;
          hasFinal = true;
        } else if (!parsed.success) {
          outputFailures = failOutput(agent, outputFailures, formatZodIssues(parsed.error));
          results.push(
            errorResult(
              call.id,
              `invalid answer: ${formatZodIssues(parsed.error)}. Call ${RESPOND_TOOL} again with a corrected answer.`,
            ),
          );
        }
        continue;
      }
      const outcome = await runToolCall(agent, tools, call, request, deps, signal);
      if ("approval" in outcome) {
        // stop before the call: the team asks a person, then runs this request again
        return { ...done(textOf(lastAssistant(messages)), { type: "finish" }), approval: outcome.approval };
      }
      results.push(outcome.result);
      if (outcome.saga) saga.push(outcome.saga);
    }

    messages = appendUser(messages, results);
    if (directive) return done(textOf(lastAssistant(messages)), directive);
    if (hasFinal) return done(finalOutput, { type: "finish" });
  }
  throw new TroupeError(
    "MAX_STEPS_EXCEEDED",
    `agent ${agent.name} used all ${agent.maxSteps} model calls without answering; raise maxSteps or narrow its task`,
    { details: { agent: agent.name, usage } },
  );
}

type ToolOutcome = { result: ToolResultBlock; saga?: SagaStep } | { approval: ApprovalRequest };

/** One tool call of the agent's model, under the tool contract; failures go back to the model unless the tool is critical. */
async function runToolCall(
  agent: Agent,
  tools: Map<string, Agent["tools"][number]>,
  call: { id: string; name: string; input: Record<string, unknown> },
  request: ParsedAgentRequest,
  deps: RunAgentDeps,
  signal: AbortSignal | undefined,
): Promise<ToolOutcome> {
  const tool = tools.get(call.name);
  if (!tool) {
    return {
      result: errorResult(call.id, `unknown tool "${call.name}"; available: ${[...tools.keys()].join(", ") || "none"}`),
    };
  }
  try {
    const outcome = await callTool(
      {
        tool,
        input: call.input,
        caller: agent.name,
        runId: request.runId,
        threadId: request.threadId,
        userTurn: request.userTurn ?? 0,
        idempotencyKey: `${request.idempotencyKey}:${call.id}`,
        ...(signal ? { signal } : {}),
      },
      {
        emit: deps.emit,
        ...(deps.records ? { records: deps.records } : {}),
        ...(deps.pipeline ? { pipeline: deps.pipeline } : {}),
        ...(deps.saga ? { saga: deps.saga } : {}),
        ...(deps.replay ? { replay: deps.replay } : {}),
      },
    );
    if (outcome.kind === "approval") return { approval: outcome.approval };
    if (outcome.kind === "refused") return { result: errorResult(call.id, outcome.error.message) };
    return {
      result: { type: "tool_result", toolUseId: call.id, content: stringify(outcome.output) },
      ...(outcome.saga ? { saga: outcome.saga } : {}),
    };
  } catch (error) {
    const typed = toTroupeError(error, "TOOL_FAILED", `tool ${tool.name}`);
    if (isRunStop(typed) || tool.critical) throw typed;
    return { result: errorResult(call.id, typed.message) };
  }
}

function failOutput(agent: Agent, failures: number, issues: string): number {
  if (failures >= 1) {
    throw new TroupeError(
      "OUTPUT_INVALID",
      `agent ${agent.name} gave an answer that does not match its output schema twice: ${issues}`,
      {
        details: { agent: agent.name },
      },
    );
  }
  return failures + 1;
}

function systemPrompt(agent: Agent, request: ParsedAgentRequest): string {
  const parts = [agent.instructions];
  if (request.context) parts.push(request.context);
  if (agent.output) parts.push(`When you are done, call the ${RESPOND_TOOL} tool with your answer.`);
  return parts.join("\n\n");
}

function taskWithInput(agent: Agent, request: ParsedAgentRequest): string {
  if (request.input === undefined) return request.task;
  if (agent.input) {
    const parsed = agent.input.safeParse(request.input);
    if (!parsed.success) {
      throw new TroupeError("INPUT_INVALID", `agent ${agent.name}: input ${formatZodIssues(parsed.error)}`, {
        details: { agent: agent.name },
      });
    }
  }
  return `${request.task}\n\nInput:\n${JSON.stringify(request.input, null, 2)}`;
}

function withDeadline(signal: AbortSignal | undefined, deadline: number | undefined): AbortSignal | undefined {
  if (deadline === undefined) return signal;
  const remaining = deadline - Date.now();
  if (remaining <= 0) throw new TroupeError("AGENT_TIMEOUT", "the caller's deadline passed before the agent started");
  const timer = AbortSignal.timeout(remaining);
  return signal ? AbortSignal.any([signal, timer]) : timer;
}

function errorResult(toolUseId: string, message: string): ToolResultBlock {
  return { type: "tool_result", toolUseId, content: message, isError: true };
}

function lastAssistant(messages: ChatMessage[]): ChatMessage | undefined {
  return [...messages].reverse().find((m) => m.role === "assistant");
}

function stringify(value: unknown): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value ?? null);
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // not an error: a result that is not JSON is kept as text
    return text;
  }
}
