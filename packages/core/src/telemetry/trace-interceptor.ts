import { context, trace, SpanKind, type Attributes } from "@opentelemetry/api";
import { toTroupeError } from "../errors.js";
import type { AgentResult } from "../protocol/agent-protocol.js";
import type { ModelResponse } from "../protocol/model-client.js";
import type { CallInfo, Interceptor } from "../resilience/interceptor.js";
import { recordError } from "./event-spans.js";
import { GenAi, TroupeAttr, troupeTracer } from "./gen-ai-attributes.js";
import type { RunSpans } from "./run-spans.js";

const operations = { agent: "invoke_agent", model: "chat", tool: "execute_tool", compensation: "compensate" } as const;

/**
 * The tracing layer: one span per attempt of every call, named by the GenAI semantic conventions
 * (`invoke_agent <agent>`, `chat <model>` with its token usage and cost, `execute_tool <tool>`;
 * `compensate <tool>` for the undo of a saga step), the attempt's error recorded with its code.
 * The call runs inside its span, so the calls it makes (the agent's host, across a bus too) are its
 * children. An agent or compensation call of a run that `runs` knows sits under the run's span.
 * Spans go to the global tracer provider: nothing is recorded until one is registered.
 *
 * @example
 * const pipeline = compose([traceInterceptor()]);
 */
export function traceInterceptor(runs?: RunSpans): Interceptor {
  return async <T>(call: CallInfo, next: (call?: CallInfo) => Promise<T>): Promise<T> => {
    const teamSide = call.kind === "agent" || call.kind === "compensation";
    const parent = (teamSide ? runs?.contextOf(call.runId) : undefined) ?? context.active();
    const span = troupeTracer().startSpan(
      `${operations[call.kind]} ${call.name}`,
      { kind: call.kind === "model" ? SpanKind.CLIENT : SpanKind.INTERNAL, attributes: attributesOf(call) },
      parent,
    );
    try {
      const value = await context.with(trace.setSpan(parent, span), () => next());
      span.setAttributes(resultAttributes(call, value));
      return value;
    } catch (error) {
      recordError(span, toTroupeError(error).toInfo());
      throw error;
    } finally {
      span.end();
    }
  };
}

function attributesOf(call: CallInfo): Attributes {
  const named =
    call.kind === "agent"
      ? { [GenAi.agentName]: call.name }
      : call.kind === "model"
        ? { [GenAi.requestModel]: call.name }
        : { [GenAi.toolName]: call.name };
  return {
    [GenAi.operation]: operations[call.kind],
    ...named,
    [TroupeAttr.attempt]: call.attempt,
    ...(call.fallbackFrom !== undefined ? { [TroupeAttr.fallbackFrom]: call.fallbackFrom } : {}),
    ...(call.threadId !== undefined ? { [GenAi.conversationId]: call.threadId } : {}),
    ...(call.runId !== undefined ? { [TroupeAttr.runId]: call.runId } : {}),
  };
}

/** What a model answer or an agent result adds to its span: usage, cost, the model that answered, the directive. */
function resultAttributes(call: CallInfo, value: unknown): Attributes {
  if (call.kind === "model" && isObject(value) && isObject(value.usage)) {
    const response = value as unknown as ModelResponse;
    return {
      [GenAi.responseModel]: response.model,
      [GenAi.finishReasons]: [response.stopReason],
      [GenAi.inputTokens]: response.usage.inputTokens,
      [GenAi.outputTokens]: response.usage.outputTokens,
      [TroupeAttr.costUsd]: response.usage.costUsd,
    };
  }
  if (call.kind === "agent" && isObject(value) && isObject(value.usage) && isObject(value.directive)) {
    const result = value as unknown as AgentResult;
    return {
      [GenAi.inputTokens]: result.usage.inputTokens,
      [GenAi.outputTokens]: result.usage.outputTokens,
      [TroupeAttr.costUsd]: result.usage.costUsd,
      [TroupeAttr.modelCalls]: result.usage.modelCalls,
      [TroupeAttr.directive]: result.directive.type,
    };
  }
  return {};
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;
