// The public API of @troupe/core, grouped by concept (docs/architecture.md maps each group to its
// folder). Everything not listed here is internal and may change without notice.

// ── Errors ───────────────────────────────────────────────────────────────────────────────────────
export { ErrorCodes, TroupeError, isTroupeError, toTroupeError, type ErrorCode, type ErrorInfo } from "./errors.js";
export { jsonSchemaOf, formatPath, formatZodIssues } from "./zod-format.js";

// ── Authoring: agents, tools, steps ──────────────────────────────────────────────────────────────
export { defineAgent, isAgent, type Agent, type AgentConfig } from "./authoring/define-agent.js";
export {
  defineTool,
  isTool,
  type Tool,
  type ToolConfig,
  type ToolContext,
  type ApprovalRequirement,
} from "./authoring/define-tool.js";
export {
  defineStep,
  isStep,
  readStepUpdate,
  type StepConfig,
  type StepContext,
  type StepDefinition,
  type StepState,
  type StepUpdate,
} from "./authoring/define-step.js";

// ── Running teams ────────────────────────────────────────────────────────────────────────────────
export { Team, type TeamOptions } from "./runtime/team.js";
export type { RunOptions, ReplayOptions } from "./runtime/run-service.js";
export type { DecideOptions } from "./runtime/oversight.js";
export type { RunStream } from "./runtime/run-stream.js";
export type { RunResult } from "./runtime/run-result.js";
export type { CheckpointInfo } from "./runtime/thread-history.js";
export { threadStatus, type ThreadStatus } from "./runtime/thread-status.js";
export {
  buildTeam,
  readSpecFile,
  resolveSpec,
  importSpecModules,
  type BuildOptions,
  type SpecSource,
  type TeamSources,
} from "./runtime/load-team.js";
export { compensate, type CompensationSummary } from "./runtime/compensator.js";
export { DeadLetters, type DeadLetter } from "./records/dead-letters.js";
export { Approvals, type Approval } from "./records/approvals.js";
export type { ApprovalDecision } from "./graph/agent-node.js";

// ── Messages, state and events ───────────────────────────────────────────────────────────────────
export {
  appendUser,
  closeDangling,
  textOf,
  toolUsesOf,
  unansweredToolUses,
  userText,
  ChatMessageSchema,
  ContentBlockSchema,
  type ChatMessage,
  type ContentBlock,
  type TextBlock,
  type ToolResultBlock,
  type ToolUseBlock,
} from "./protocol/messages.js";
export { addUsage, emptyUsage, UsageSchema, type Usage } from "./protocol/usage.js";
export {
  TeamState,
  stepsOfLatestTurn,
  nodesOfLatestTurn,
  usageOf,
  RunStateSchema,
  type Step,
  type NodeStep,
  type RanNode,
  type RunState,
  type TeamStateValue,
  type TeamStateUpdate,
} from "./protocol/team-state.js";
export {
  runEventsTopic,
  TERMINAL_EVENTS,
  type TroupeEvent,
  type TroupeEventType,
  type EventBody,
  type EventSink,
  type DeadLetterKind,
} from "./protocol/events.js";

// ── Logs ─────────────────────────────────────────────────────────────────────────────────────────
export {
  createLogger,
  defaultLogger,
  setDefaultLogger,
  parseLogLevel,
  runLogger,
  agentLogger,
  ignored,
  logIgnored,
  LOG_LEVELS,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  type RunLogFields,
} from "./logging/logger.js";
export { logEvent } from "./logging/log-event.js";

// ── Models ───────────────────────────────────────────────────────────────────────────────────────
export type { ModelClient, ModelDelta, ModelRequest, ModelResponse, ToolSpec } from "./protocol/model-client.js";
export {
  anthropic,
  DEFAULT_CLAUDE_MODEL,
  KNOWN_CLAUDE_MODELS,
  type AnthropicOptions,
} from "./models/anthropic-model.js";
export { offlineModel, offlineDecision } from "./models/offline-model.js";
export { createModelResolver, type ModelResolution } from "./models/resolve-model.js";

// ── The call pipeline: resilience and your interceptors ─────────────────────────────────────────
export { compose, type CallInfo, type CallKind, type Interceptor, type Pipeline } from "./resilience/interceptor.js";
export {
  breakerInterceptor,
  fallbackInterceptor,
  retryInterceptor,
  timeoutInterceptor,
} from "./resilience/interceptors.js";
export { callPipeline, pipelineLayers, type CallOptions, type PipelineSetup } from "./resilience/call-pipeline.js";
export { resilientModel, type ModelCallContext } from "./resilience/resilient-model.js";

// ── Traces: OpenTelemetry spans through the global API (a no-op until a provider is registered) ─
export { traceInterceptor } from "./telemetry/trace-interceptor.js";
export { GenAi, TroupeAttr } from "./telemetry/gen-ai-attributes.js";
export { sleep, type RetryPolicy } from "./resilience/retry.js";
export type { BreakerOptions, BreakerState, BreakerScope } from "./resilience/circuit-breakers.js";
export {
  ResilienceSchema,
  RetrySpecSchema,
  BreakerSpecSchema,
  defaultResilience,
  type Resilience,
  type ResilienceInput,
  type RetrySpec,
  type BreakerSpec,
  type AgentPolicy,
} from "./protocol/resilience-policy.js";

// ── Team specs (YAML / JSON) ─────────────────────────────────────────────────────────────────────
export {
  AgentSpecSchema,
  LimitsSchema,
  BaseSpecSchema,
  type AgentSpec,
  type Limits,
  type TeamSpec,
  type TeamSpecInput,
} from "./spec/team-spec.js";
export { checkSpec, validateSpec, specError, type ValidateOptions, type SpecCheck } from "./spec/validate-spec.js";
export { parseSpecText } from "./spec/parse-spec.js";
export { readSpecText } from "./spec/read-spec-text.js";
export { SPEC_LIMITS, specLimitProblems } from "./spec/spec-limits.js";
export { SPEC_NAME, SPEC_NAME_RULE, TOOL_NAME, TOOL_NAME_RULE } from "./protocol/spec-names.js";
export { teamSpecJsonSchema } from "./spec/spec-json-schema.js";
export { suggest, didYouMean } from "./spec/suggest.js";
export { checkImports } from "./spec/import-policy.js";

// ── Patterns: compiling a spec to a LangGraph graph ──────────────────────────────────────────────
export {
  definePattern,
  type AnyPattern,
  type CompilableGraph,
  type CompileContext,
  type PatternDefinition,
  type RunnableTeamGraph,
  type SpecProblem,
} from "./graph/define-pattern.js";
export {
  finishOutcome,
  type AgentCall,
  type AgentNodeFn,
  type AgentNodePlan,
  type Outcome,
} from "./graph/agent-node.js";
export type { CodeNodePlan, CodeNodeContext } from "./graph/code-node.js";
export type { ToolNodePlan } from "./graph/tool-node.js";
export { callTool } from "./agent/tool-call.js";

// ── Agents over a bus (in process, or NATS with @troupe/nats) ────────────────────────────────────
export {
  ReplySchema,
  type Bus,
  type Reply,
  type RequestOptions,
  type ServeContext,
  type Subscription,
} from "./bus/bus.js";
export { InProcessBus } from "./bus/in-process-bus.js";
export { invokeAgent, invokeCompensation, type CompensateRequest } from "./bus/agent-client.js";
export {
  AgentRequestSchema,
  AgentResultSchema,
  DirectiveSchema,
  DirectiveOfferSchema,
  type AgentRequest,
  type AgentResult,
  type Directive,
  type DirectiveOffer,
  type SagaStep,
  type ApprovalRequest,
} from "./protocol/agent-protocol.js";
export { DELEGATE_TOOL, FINISH_TOOL, RESPOND_TOOL, TRANSFER_PREFIX } from "./protocol/directive-tools.js";
export { serveAgent, type AgentHandle, type ServeAgentOptions } from "./agent/agent-host.js";
export { agentServingOptions, PolicyBreakers, type AgentServingDeps } from "./agent/agent-serving.js";
export type { AgentLifecycleState } from "./agent/agent-lifecycle.js";

// ── Stores: interfaces, the memory store, and a kit for store implementations ───────────────────
// (SQLite: @troupe/store-sqlite; PostgreSQL: @troupe/store-postgres)
export { memoryStore } from "./stores/memory-store.js";
export type { TeamStore } from "./stores/team-store.js";
export { memoryEventLog, type EventLog, type ReadEventsOptions, type StoredEventRow } from "./stores/event-log.js";
export { appendEvent, latestRunId, readEvents } from "./records/run-events.js";
export type { LoggedEvent } from "./records/record-schemas.js";
export type { RecordStore, ThreadInfo, ThreadStore, DocStore, StoredDoc } from "./stores/record-store.js";
export {
  DEFAULT_LEASE,
  leaseIsLive,
  leaseSettings,
  leaseRow,
  mayTake,
  type LeaseClaim,
  type LeaseSettings,
  type LeaseStore,
  type ThreadLease,
} from "./stores/thread-lease.js";
export { withFaults } from "./stores/store-faults.js";
export { docOf, threadOf, type DocRow, type ThreadRow } from "./stores/store-rows.js";
// Typed documents: each kind with its schema, read and written through these (never cast)
export { DocKinds, deleteDoc, listDocs, readDoc, writeDoc, type DocKind } from "./records/record-keys.js";
export type { RunRequestDoc } from "./records/record-schemas.js";
