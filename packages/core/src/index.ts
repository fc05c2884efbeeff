export { ErrorCodes, TroupeError, isTroupeError, toTroupeError, type ErrorCode, type ErrorInfo } from "./errors.js";
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
export type { ModelClient, ModelDelta, ModelRequest, ModelResponse, ToolSpec } from "./protocol/model-client.js";
export { jsonSchemaOf, formatPath, formatZodIssues } from "./zod-format.js";
export { defineTool, isTool, type Tool, type ToolConfig, type ToolContext } from "./authoring/define-tool.js";
export { defineAgent, isAgent, type Agent, type AgentConfig } from "./authoring/define-agent.js";
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
export {
  AgentRequestSchema,
  AgentResultSchema,
  DirectiveSchema,
  DirectiveOfferSchema,
  agentService,
  type AgentRequest,
  type AgentResult,
  type Directive,
  type DirectiveOffer,
} from "./protocol/agent-protocol.js";
export { DELEGATE_TOOL, FINISH_TOOL, RESPOND_TOOL, TRANSFER_PREFIX } from "./protocol/directive-tools.js";
export { runAgent, type RunAgentDeps } from "./agent/run-agent.js";
export {
  ReplySchema,
  type Bus,
  type Reply,
  type RequestOptions,
  type ServeContext,
  type Subscription,
} from "./bus/bus.js";
export { InProcessBus } from "./bus/in-process-bus.js";
export { serveAgent, type ServeAgentOptions } from "./agent/agent-host.js";
export { invokeAgent, invokeCompensation, type CompensateRequest } from "./bus/agent-client.js";
export { agentServingOptions, PolicyBreakers, type AgentServingDeps } from "./agent/agent-serving.js";
export {
  runEventsTopic,
  type TroupeEvent,
  type TroupeEventType,
  type EventBody,
  type EventSink,
} from "./protocol/events.js";
export { withRetry, sleep, type RetryPolicy, type RetryInfo } from "./resilience/retry.js";
export { compose, type CallInfo, type CallKind, type Interceptor, type Pipeline } from "./resilience/interceptor.js";
export {
  breakerInterceptor,
  fallbackInterceptor,
  retryInterceptor,
  timeoutInterceptor,
} from "./resilience/interceptors.js";
export { callPipeline, pipelineLayers, type CallOptions, type PipelineSetup } from "./resilience/call-pipeline.js";
export { callPolicy, type CallPolicy, type PolicySource } from "./resilience/policy-lookup.js";
export { resilientModel, type ModelCallContext } from "./resilience/resilient-model.js";
export {
  anthropic,
  mapAnthropicError,
  DEFAULT_CLAUDE_MODEL,
  KNOWN_CLAUDE_MODELS,
  isKnownClaudeModel,
  type AnthropicOptions,
} from "./models/anthropic-model.js";
export { offlineModel, offlineDecision, OFFLINE_NOTICE } from "./models/offline-model.js";
export { createModelResolver, type ModelResolution } from "./models/resolve-model.js";
export {
  AgentSpecSchema,
  LimitsSchema,
  BaseSpecSchema,
  BaseSpecShape,
  type AgentSpec,
  type Limits,
  type TeamSpec,
  type TeamSpecInput,
} from "./spec/team-spec.js";
export { checkSpec, validateSpec, specError, type ValidateOptions, type SpecCheck } from "./spec/validate-spec.js";
export { parseSpecText } from "./spec/parse-spec.js";
export { readSpecText } from "./spec/read-spec-text.js";
export { SPEC_LIMITS, PROTOTYPE_KEYS, specLimitProblems } from "./spec/spec-limits.js";
export { SPEC_NAME, SPEC_NAME_RULE, TOOL_NAME, TOOL_NAME_RULE } from "./protocol/spec-names.js";
export { teamSpecJsonSchema } from "./spec/spec-json-schema.js";
export { suggest, didYouMean } from "./spec/suggest.js";
export {
  definePattern,
  type AnyPattern,
  type CompilableGraph,
  type CompileContext,
  type PatternDefinition,
  type RunnableTeamGraph,
  type SpecProblem,
} from "./graph/define-pattern.js";
export { createCodeNode, type CodeNodePlan, type CodeNodeContext } from "./graph/code-node.js";
export { createToolNode, type ToolNodePlan } from "./graph/tool-node.js";
export {
  callTool,
  hasSideEffects,
  type ToolCallRequest,
  type ToolCallDeps,
  type ToolCallOutcome,
  type ToolReplay,
} from "./agent/tool-call.js";
export type { ScopedRecords } from "./stores/record-store.js";
export {
  finishOutcome,
  RUN_ID_KEY,
  type AgentCall,
  type AgentNodeFn,
  type AgentNodePlan,
  type Outcome,
  type RunContext,
} from "./graph/agent-node.js";
export {
  TeamState,
  stepsOfLatestTurn,
  usageOf,
  type Step,
  RunStateSchema,
  type RunState,
  type TeamStateValue,
  type TeamStateUpdate,
} from "./protocol/team-state.js";
export { Team, type TeamOptions } from "./runtime/team.js";
export type { RunOptions, ReplayOptions } from "./runtime/run-service.js";
export type { DecideOptions } from "./runtime/oversight.js";
export type { RunStream } from "./runtime/run-stream.js";
export {
  DEFAULT_LEASE,
  leaseIsLive,
  leaseSettings,
  type LeaseClaim,
  type LeaseSettings,
  type LeaseStore,
  type ThreadLease,
} from "./stores/thread-lease.js";
export { threadStatus, type ThreadStatus } from "./runtime/thread-status.js";
export type { CheckpointInfo } from "./runtime/thread-history.js";
export type { RunResult } from "./runtime/run-result.js";
export type { TeamStore } from "./stores/team-store.js";
export type { RecordStore, ThreadInfo, ThreadStore } from "./stores/record-store.js";
export { memoryStore } from "./stores/memory-store.js";
export {
  buildTeam,
  readSpecFile,
  resolveSpec,
  importSpecModules,
  type BuildOptions,
  type SpecSource,
  type TeamSources,
} from "./runtime/load-team.js";
export { checkImports } from "./spec/import-policy.js";
export {
  BreakerRegistry,
  type BreakerOptions,
  type BreakerState,
  type BreakerScope,
} from "./resilience/circuit-breakers.js";
export {
  ResilienceSchema,
  HostResilienceSchema,
  RetrySpecSchema,
  BreakerSpecSchema,
  defaultResilience,
  hostResilience,
  type Resilience,
  type HostResilience,
  type ResilienceInput,
  type RetrySpec,
  type BreakerSpec,
  type AgentPolicy,
} from "./protocol/resilience-policy.js";
export { DeadLetters, type DeadLetter } from "./records/dead-letters.js";
export { Approvals, type Approval } from "./records/approvals.js";
export { agentLifecycleMachine, startAgentLifecycle, type AgentLifecycleState } from "./agent/agent-lifecycle.js";
export { readRunStatus } from "./runtime/run-lifecycle.js";
export { runLifecycleMachine, type RunMachineEvent, type TurnInput } from "./runtime/run-machine.js";
export { compensate, type CompensationSummary } from "./runtime/compensator.js";
export { pendingSaga } from "./records/saga-journal.js";
export { runEmitter, type AgentHandle } from "./agent/agent-host.js";
export type { ApprovalDecision } from "./graph/agent-node.js";
export type { SagaStep, ApprovalRequest } from "./protocol/agent-protocol.js";
export type { ApprovalRequirement } from "./authoring/define-tool.js";
export type { DocStore, StoredDoc } from "./stores/record-store.js";
// Typed records and documents: every key and doc kind with its schema, and the reads that parse them
export {
  DocKinds,
  LeaseKeys,
  RecordKeys,
  ScratchKeys,
  deleteDoc,
  listDocs,
  parseStored,
  readDoc,
  readRecord,
  writeDoc,
  writeRecord,
  type DocKind,
  type RecordDef,
} from "./records/record-keys.js";
export {
  ApprovalDecisionSchema,
  ApprovalSchema,
  DeadLetterSchema,
  ModelResponseSchema,
  OutputRecordSchema,
  RunControlDocSchema,
  RunLifecycleDocSchema,
  RunRequestDocSchema,
  type OutputRecord,
  type RunControlDoc,
  type RunLifecycleDoc,
  type RunRequestDoc,
} from "./records/record-schemas.js";
export type { DeadLetterKind } from "./protocol/events.js";
// For store implementations (@troupe/store-sqlite, @troupe/store-postgres, your own)
export { withFaults } from "./stores/store-faults.js";
export { docOf, threadOf, type DocRow, type ThreadRow } from "./stores/store-rows.js";
export { leaseRow, mayTake } from "./stores/thread-lease.js";
