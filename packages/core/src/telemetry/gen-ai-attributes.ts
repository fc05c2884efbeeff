import { trace, type Tracer } from "@opentelemetry/api";

/**
 * Span attribute names: the OpenTelemetry GenAI semantic conventions where they name the thing,
 * `troupe.*` for what they do not (runs, attempts, cost, sagas, approvals).
 */
export const GenAi = {
  operation: "gen_ai.operation.name",
  agentName: "gen_ai.agent.name",
  requestModel: "gen_ai.request.model",
  responseModel: "gen_ai.response.model",
  finishReasons: "gen_ai.response.finish_reasons",
  inputTokens: "gen_ai.usage.input_tokens",
  outputTokens: "gen_ai.usage.output_tokens",
  conversationId: "gen_ai.conversation.id",
  toolName: "gen_ai.tool.name",
  errorType: "error.type",
} as const;

export const TroupeAttr = {
  team: "troupe.team.name",
  pattern: "troupe.pattern",
  runId: "troupe.run.id",
  runMode: "troupe.run.mode",
  runOutcome: "troupe.run.outcome",
  attempt: "troupe.attempt",
  fallbackFrom: "troupe.fallback_from",
  costUsd: "troupe.usage.cost_usd",
  modelCalls: "troupe.usage.model_calls",
  directive: "troupe.directive",
} as const;

/** The tracer every Troupe span comes from: the global provider's, a no-op until one is registered. */
export const troupeTracer = (): Tracer => trace.getTracer("@troupe/core");
