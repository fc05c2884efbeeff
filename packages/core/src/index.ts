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
} from "./messages.js";
export { addUsage, emptyUsage, UsageSchema, type Usage } from "./usage.js";
export type { ModelClient, ModelDelta, ModelRequest, ModelResponse, ToolSpec } from "./model-client.js";
export {
  defineTool,
  isTool,
  jsonSchemaOf,
  formatPath,
  formatZodIssues,
  type Tool,
  type ToolConfig,
  type ToolContext,
} from "./define-tool.js";
export { defineAgent, isAgent, type Agent, type AgentConfig } from "./define-agent.js";
export {
  defineStep,
  isStep,
  readStepUpdate,
  type StepConfig,
  type StepContext,
  type StepDefinition,
  type StepState,
  type StepUpdate,
} from "./define-step.js";
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
} from "./agent-protocol.js";
export { DELEGATE_TOOL, FINISH_TOOL, RESPOND_TOOL, TRANSFER_PREFIX } from "./directive-tools.js";
export { runAgent, type RunAgentDeps } from "./run-agent.js";
export { ReplySchema, type Bus, type Reply, type RequestOptions, type ServeContext, type Subscription } from "./bus.js";
export { InProcessBus } from "./in-process-bus.js";
export { serveAgent, invokeAgent, type ServeAgentOptions } from "./agent-host.js";
export { agentServingOptions, PolicyBreakers, type AgentServingDeps } from "./agent-serving.js";
export { runEventsTopic, type TroupeEvent, type TroupeEventType, type EventBody, type EventSink } from "./events.js";
export { withRetry, sleep, type RetryPolicy, type RetryInfo } from "./retry.js";
export {
  anthropic,
  mapAnthropicError,
  DEFAULT_CLAUDE_MODEL,
  KNOWN_CLAUDE_MODELS,
  isKnownClaudeModel,
  type AnthropicOptions,
} from "./anthropic-model.js";
export { offlineModel, offlineDecision, OFFLINE_NOTICE } from "./offline-model.js";
export { createModelResolver, type ModelResolution } from "./resolve-model.js";
export {
  AgentSpecSchema,
  LimitsSchema,
  BaseSpecSchema,
  BaseSpecShape,
  type AgentSpec,
  type Limits,
  type TeamSpec,
  type TeamSpecInput,
} from "./team-spec.js";
export { checkSpec, validateSpec, specError, type ValidateOptions, type SpecCheck } from "./validate-spec.js";
export { parseSpecText } from "./parse-spec.js";
export { readSpecText } from "./read-spec-text.js";
export { SPEC_LIMITS, PROTOTYPE_KEYS, specLimitProblems } from "./spec-limits.js";
export { SPEC_NAME, SPEC_NAME_RULE, TOOL_NAME, TOOL_NAME_RULE } from "./spec-names.js";
export { teamSpecJsonSchema } from "./spec-json-schema.js";
export { suggest, didYouMean } from "./suggest.js";
export {
  definePattern,
  type AnyPattern,
  type CompilableGraph,
  type CompileContext,
  type PatternDefinition,
  type RunnableTeamGraph,
  type SpecProblem,
} from "./define-pattern.js";
export { createCodeNode, type CodeNodePlan, type CodeNodeContext } from "./code-node.js";
export { createToolNode, type ToolNodePlan } from "./tool-node.js";
export {
  callTool,
  hasSideEffects,
  toolGuard,
  type ToolCallRequest,
  type ToolCallDeps,
  type ToolCallOutcome,
  type GuardTool,
  type ToolReplay,
  type ScopedRecords,
} from "./tool-call.js";
export {
  finishOutcome,
  RUN_ID_KEY,
  type AgentCall,
  type AgentNodeFn,
  type AgentNodePlan,
  type Outcome,
  type RunContext,
} from "./agent-node.js";
export {
  TeamState,
  stepsOfLatestTurn,
  usageOf,
  type Step,
  type RunStatus,
  type TeamStateValue,
  type TeamStateUpdate,
} from "./team-state.js";
export { Team, type TeamOptions, type RunOptions, type ReplayOptions, type DecideOptions } from "./team.js";
export {
  DEFAULT_LEASE,
  leaseIsLive,
  leaseSettings,
  type LeaseClaim,
  type LeaseSettings,
  type LeaseStore,
  type ThreadLease,
} from "./thread-lease.js";
export { threadStatus, type ThreadStatus } from "./thread-status.js";
export type { CheckpointInfo } from "./thread-history.js";
export type { RunResult } from "./run-result.js";
export type { TeamStore } from "./team-store.js";
export type { RecordStore, ThreadInfo, ThreadStore } from "./record-store.js";
export { memoryStore } from "./memory-store.js";
export { sqliteStore, DEFAULT_STORE_PATH } from "./sqlite-store.js";
export { postgresStore, type PostgresStore, type PostgresStoreOptions } from "./postgres-store.js";
export {
  loadTeam,
  buildTeam,
  readSpecFile,
  resolveSpec,
  importSpecModules,
  type BuildOptions,
  type SpecSource,
  type TeamSources,
} from "./load-team.js";
export { checkImports } from "./import-policy.js";
export { BreakerRegistry, type BreakerOptions, type BreakerState, type BreakerScope } from "./circuit-breakers.js";
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
} from "./resilience-spec.js";
export { DeadLetters, type DeadLetter } from "./dead-letters.js";
export { Approvals, type Approval } from "./approvals.js";
export { agentLifecycleMachine, startAgentLifecycle, type AgentLifecycleState } from "./agent-lifecycle.js";
export { runLifecycleMachine, readRunStatus, type RunLifecycleState, type RunStatusInfo } from "./run-lifecycle.js";
export { compensate, type CompensationSummary } from "./compensator.js";
export { pendingSaga } from "./saga-journal.js";
export { invokeCompensation, runEmitter, type AgentHandle, type CompensateRequest } from "./agent-host.js";
export type { ApprovalDecision } from "./agent-node.js";
export type { SagaStep, ApprovalRequest } from "./agent-protocol.js";
export type { ApprovalRequirement } from "./define-tool.js";
export type { DocStore, StoredDoc } from "./record-store.js";
export type { DeadLetterKind } from "./events.js";
