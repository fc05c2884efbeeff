export { NatsBus, type NatsBusOptions } from "./nats-bus.js";
export { natsConnectionOptions, type NatsConnectOptions } from "./connect-options.js";
export {
  namespaceServerConfig,
  namespacePermissions,
  namespaceAccount,
  type NamespaceServerConfig,
  type NamespaceServerConfigOptions,
  type NamespaceCredentials,
  type NamespacePermissions,
} from "./namespace-server-config.js";
export {
  RunEventLog,
  TERMINAL_EVENT_TYPES,
  type RunEventLogOptions,
  type FollowOptions,
  type RunAnnouncement,
} from "./run-event-log.js";
export { followThread } from "./follow-thread.js";
export {
  AgentRegistry,
  type AgentRegistration,
  type AgentEntry,
  type AgentRegistryOptions,
  type Registration,
} from "./agent-registry.js";
export {
  RunQueue,
  ORCHESTRATORS_CONSUMER,
  type RunQueueOptions,
  type ConsumerSettings,
  type SubmitRunInput,
} from "./run-queue.js";
export { submitRun } from "./submit-run.js";
export {
  RunRequestSchema,
  TeamRefSchema,
  DLQ_HEADERS,
  type RunRequest,
  type TeamRef,
  type DeadRun,
} from "./run-request.js";
export { TeamRegistry, type RegisteredTeam } from "./team-registry.js";
export { Orchestrator, type OrchestratorOptions, type TeamLoader } from "./orchestrator.js";
export { REQUEST_DOC_KIND, type SubmittedOutcome } from "./run-submitted.js";
export { Worker, loadAgentModule, type WorkerOptions } from "./worker.js";
export { isRetryableFailure } from "./retryable-failure.js";
export { DEADLINE_HEADER, ERROR_HEADER } from "./bus-wire.js";
export {
  checkNamespace,
  checkThreadId,
  subjectOf,
  eventStreamName,
  registryBucketName,
  runSubmitSubject,
  runDlqSubject,
  runQueueStreamName,
  runDlqStreamName,
  threadRunsSubject,
} from "./subjects.js";
export { traceContextOf, withTrace } from "./trace-headers.js";
