export {
  ScriptedModel,
  callTool,
  delegate,
  finish,
  transfer,
  respond,
  type ScriptedTurn,
  type ScriptedToolCall,
  type UnusedTurn,
} from "./scripted-model.js";
export {
  anthropicMock,
  startAnthropicMock,
  mockedClaude,
  type AnthropicMock,
  type AnthropicMockOptions,
  type RunningAnthropicMock,
  type MockReply,
  type MessagesRequestBody,
  type RecordedRequest,
} from "./anthropic-mock.js";
export {
  replyText,
  replyToolUse,
  replyError,
  messageResponse,
  errorResponse,
  type MockMessage,
  type MockHttpError,
  type MockBlock,
} from "./mock-reply.js";
export { validateMessagesRequest, assertValidTranscript } from "./validate-messages-request.js";
export {
  startNatsServer,
  startNatsCluster,
  freePort,
  type NatsServerOptions,
  type NatsClusterOptions,
  type RunningNatsServer,
  type RunningNatsCluster,
} from "./nats-test-server.js";
export { startPostgres, type PostgresServerOptions, type RunningPostgres } from "./postgres-test-server.js";
