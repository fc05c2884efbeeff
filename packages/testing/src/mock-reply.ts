import type { ModelResponse } from "@troupe/core";
import { HttpResponse } from "msw";

export type MockBlock =
  { type: "text"; text: string } | { type: "tool_use"; name: string; input: Record<string, unknown>; id?: string };

/** A scripted assistant message. `stopReason` defaults to tool_use when a block asks for a tool. */
export interface MockMessage {
  type: "message";
  content: MockBlock[];
  stopReason?: ModelResponse["stopReason"];
  usage?: {
    inputTokens: number;
    outputTokens: number;
    cacheReadInputTokens?: number;
    cacheCreationInputTokens?: number;
  };
  /** Defaults to the model the request named. */
  model?: string;
}

/** A scripted HTTP error, shaped like the API's `{type: "error", error: {type, message}}`. */
export interface MockHttpError {
  type: "error";
  status: number;
  /** Defaults from the status: rate_limit_error, api_error, overloaded_error, ... */
  errorType?: string;
  message?: string;
  /** Sent as the retry-after header (seconds, or an HTTP date). */
  retryAfter?: number | string;
}

/** A text answer. @example mock.enqueue(replyText("Paris is sunny.")) */
export const replyText = (text: string, extra: Omit<MockMessage, "type" | "content"> = {}): MockMessage => ({
  type: "message",
  content: [{ type: "text", text }],
  ...extra,
});
/** An answer that calls one tool, after optional text. @example mock.enqueue(replyToolUse("get_weather", { city: "Paris" })) */
export const replyToolUse = (
  name: string,
  input: Record<string, unknown>,
  extra: Omit<MockMessage, "type" | "content"> & { text?: string; id?: string } = {},
): MockMessage => {
  const { text, id, ...rest } = extra;
  return {
    type: "message",
    content: [
      ...(text ? [{ type: "text" as const, text }] : []),
      { type: "tool_use", name, input, ...(id ? { id } : {}) },
    ],
    ...rest,
  };
};
/** An HTTP error answer. @example mock.enqueue(replyError(429, { retryAfter: 0 }), replyText("ok")) */
export const replyError = (status: number, extra: Omit<MockHttpError, "type" | "status"> = {}): MockHttpError => ({
  type: "error",
  status,
  ...extra,
});

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  529: "overloaded_error",
};

/**
 * Answers a scripted message the way the API does: a JSON message, or, for a streaming request,
 * a text/event-stream of message_start, ping, content_block_start/delta/stop per block,
 * message_delta and message_stop.
 *
 * @example
 * return messageResponse(replyText("hi"), { model: body.model, stream: body.stream === true, chunkSize: 8, nextId });
 */
export function messageResponse(
  reply: MockMessage,
  options: { model: string; stream: boolean; chunkSize: number; nextId: () => string },
): Response {
  const message = toApiMessage(reply, options.model, options.nextId);
  return options.stream ? sse(streamEvents(message, options.chunkSize)) : HttpResponse.json(message);
}

/**
 * Answers a scripted error as the API does: `{type: "error", error: {type, message}}` with the
 * status and an optional retry-after header.
 *
 * @example
 * return errorResponse(replyError(429, { retryAfter: 1 }));
 */
export function errorResponse(reply: MockHttpError): Response {
  const type = reply.errorType ?? ERROR_TYPES[reply.status] ?? "api_error";
  const headers: Record<string, string> =
    reply.retryAfter === undefined ? {} : { "retry-after": String(reply.retryAfter) };
  return HttpResponse.json(
    { type: "error", error: { type, message: reply.message ?? `mock ${type}` } },
    { status: reply.status, headers },
  );
}

interface ApiMessage {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: Array<
    { type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> }
  >;
  stop_reason: string;
  stop_sequence: null;
  usage: {
    input_tokens: number;
    output_tokens: number;
    cache_read_input_tokens: number;
    cache_creation_input_tokens: number;
  };
}

function toApiMessage(reply: MockMessage, requestModel: string, nextId: () => string): ApiMessage {
  const content = reply.content.map((b) =>
    b.type === "text"
      ? b
      : { type: "tool_use" as const, id: b.id ?? `toolu_mock_${nextId()}`, name: b.name, input: b.input },
  );
  const usage = reply.usage ?? { inputTokens: 10, outputTokens: 5 };
  return {
    id: `msg_mock_${nextId()}`,
    type: "message",
    role: "assistant",
    model: reply.model ?? requestModel,
    content,
    stop_reason: reply.stopReason ?? (content.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn"),
    stop_sequence: null,
    usage: {
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
      cache_read_input_tokens: usage.cacheReadInputTokens ?? 0,
      cache_creation_input_tokens: usage.cacheCreationInputTokens ?? 0,
    },
  };
}

/** The event sequence the API streams for a message: start, ping, per-block start/deltas/stop, delta, stop. */
function streamEvents(message: ApiMessage, chunkSize: number): Array<[string, unknown]> {
  const pieces = (text: string) => text.match(new RegExp(`[^]{1,${chunkSize}}`, "g")) ?? [];
  const events: Array<[string, unknown]> = [
    [
      "message_start",
      {
        type: "message_start",
        message: { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } },
      },
    ],
    ["ping", { type: "ping" }],
  ];
  message.content.forEach((block, index) => {
    const start = block.type === "text" ? { type: "text", text: "" } : { ...block, input: {} };
    events.push(["content_block_start", { type: "content_block_start", index, content_block: start }]);
    const deltas =
      block.type === "text"
        ? pieces(block.text).map((text) => ({ type: "text_delta", text }))
        : pieces(JSON.stringify(block.input)).map((partial_json) => ({ type: "input_json_delta", partial_json }));
    for (const delta of deltas) events.push(["content_block_delta", { type: "content_block_delta", index, delta }]);
    events.push(["content_block_stop", { type: "content_block_stop", index }]);
  });
  events.push([
    "message_delta",
    {
      type: "message_delta",
      delta: { stop_reason: message.stop_reason, stop_sequence: null },
      usage: { output_tokens: message.usage.output_tokens },
    },
  ]);
  events.push(["message_stop", { type: "message_stop" }]);
  return events;
}

function sse(events: Array<[string, unknown]>): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const [event, data] of events)
        controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
      controller.close();
    },
  });
  return new HttpResponse(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
}
