export { NatsBus, type NatsBusOptions } from "./nats-bus.js";
export { natsConnectionOptions, type NatsConnectOptions } from "./connect-options.js";
export { RunEventLog, type RunEventLogOptions, type FollowOptions } from "./run-event-log.js";
export { AgentRegistry, type AgentRegistration, type AgentEntry, type AgentRegistryOptions, type Registration } from "./agent-registry.js";
export { DEADLINE_HEADER, ERROR_HEADER } from "./bus-wire.js";
export { checkNamespace, subjectOf, eventStreamName, registryBucketName } from "./subjects.js";
