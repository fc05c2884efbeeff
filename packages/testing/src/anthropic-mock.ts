import { anthropic, type AnthropicOptions, type ModelClient } from "@troupe/core";
import { http, type HttpHandler } from "msw";
import { setupServer, type SetupServer } from "msw/node";
import { errorResponse, messageResponse, type MockHttpError, type MockMessage } from "./mock-reply.js";
import { validateMessagesRequest } from "./validate-messages-request.js";

/** One queued answer, or a function of the request that returns one. */
export type MockReply = MockMessage | MockHttpError | ((request: RecordedRequest) => MockMessage | MockHttpError);

/** The Messages API body as received; fields are typed as the API defines them, not checked (see `problems`). */
export interface MessagesRequestBody {
  model?: string;
  max_tokens?: number;
  system?: string | Array<{ type: "text"; text: string }>;
  stream?: boolean;
  messages?: Array<{ role: "user" | "assistant"; content: string | Array<Record<string, unknown>> }>;
  tools?: Array<{ name: string; description?: string; input_schema: Record<string, unknown> }>;
  tool_choice?: { type: string; name?: string };
  [key: string]: unknown;
}

export interface RecordedRequest {
  /** Position among all requests this mock received, from 0. */
  index: number;
  body: MessagesRequestBody;
  headers: Record<string, string>;
  stream: boolean;
  /** Why the request is not a valid Messages API call; empty when valid. */
  problems: string[];
  /** How it was answered: a queued message or error, a 4xx for an invalid request, or a 400 because nothing was queued. */
  outcome: "message" | "error" | "invalid" | "unscripted";
  status: number;
}

export interface AnthropicMockOptions {
  /** Default http://anthropic.mock. */
  baseURL?: string;
  /** Characters per streamed text or input_json delta (default 8). */
  chunkSize?: number;
}

export interface AnthropicMock {
  readonly baseURL: string;
  /** msw handlers answering POST {baseURL}/v1/messages. */
  readonly handlers: HttpHandler[];
  /** Every request received, valid or not, in order. */
  readonly requests: RecordedRequest[];
  /** Queues answers, used in order, one per valid request. */
  enqueue(...replies: MockReply[]): AnthropicMock;
  /** Replies queued and not yet used. */
  pending(): number;
  /** Throws when replies are left, or a request was invalid or had no reply queued. */
  assertDone(): void;
  /** Forgets queued replies and recorded requests. */
  reset(): void;
}

export interface RunningAnthropicMock extends AnthropicMock {
  readonly server: SetupServer;
  close(): void;
}

/**
 * A scripted Anthropic Messages API for msw: queued replies answer POST /v1/messages as JSON, or as
 * an SSE stream when the body has `stream: true`. Every request is recorded and validated with
 * {@link validateMessagesRequest}; an invalid one is answered 400 with the reasons, so tests fail loudly.
 *
 * @example
 * const mock = anthropicMock().enqueue(replyToolUse("get_weather", { city: "Paris" }), replyText("Sunny."));
 * const server = setupServer(...mock.handlers); server.listen();
 * const model = mockedClaude(mock); // build clients after listen(): the SDK keeps the fetch it sees
 */
export function anthropicMock(options: AnthropicMockOptions = {}): AnthropicMock {
  const baseURL = (options.baseURL ?? "http://anthropic.mock").replace(/\/+$/, "");
  const chunkSize = options.chunkSize ?? 8;
  const queue: MockReply[] = [];
  const requests: RecordedRequest[] = [];
  let ids = 0;

  const handler = http.post(`${baseURL}/v1/messages`, async ({ request }) => {
    const headers = Object.fromEntries(request.headers.entries());
    // not swallowed: a body that is not JSON is answered with a 400 naming it
    const body = (await request.json().catch(() => undefined)) as MessagesRequestBody | undefined;
    const problems = body === undefined ? ["body: not valid JSON"] : validateMessagesRequest(body);
    if (!headers["anthropic-version"]) problems.push("header anthropic-version: required");
    const unauthenticated = !headers["x-api-key"] && !headers["authorization"];
    if (unauthenticated) problems.unshift("header x-api-key or authorization: required");
    const record: RecordedRequest = {
      index: requests.length,
      body: body ?? {},
      headers,
      stream: body?.stream === true,
      problems,
      outcome: "invalid",
      status: 400,
    };
    requests.push(record);
    const invalid = (status: number) =>
      answerError(
        record,
        { type: "error", status, message: `anthropicMock: invalid request: ${problems.join("; ")}` },
        "invalid",
      );
    if (problems.length) return invalid(unauthenticated ? 401 : 400);
    let reply = queue.shift();
    try {
      if (typeof reply === "function") reply = reply(record);
    } catch (error) {
      // a failed check inside a reply function must not become a retryable 500
      problems.push(`reply function threw: ${error instanceof Error ? error.message : String(error)}`);
      return invalid(400);
    }
    if (!reply)
      return answerError(
        record,
        { type: "error", status: 400, message: `anthropicMock: no reply queued for request #${record.index}` },
        "unscripted",
      );
    if (reply.type === "error") return answerError(record, reply, "error");
    record.outcome = "message";
    record.status = 200;
    return messageResponse(reply, {
      model: record.body.model ?? "unknown",
      stream: record.stream,
      chunkSize,
      nextId: () => `${++ids}`,
    });
  });

  const mock: AnthropicMock = {
    baseURL,
    handlers: [handler],
    requests,
    enqueue(...replies) {
      queue.push(...replies);
      return mock;
    },
    pending: () => queue.length,
    assertDone() {
      const bad = requests.filter((r) => r.outcome === "invalid" || r.outcome === "unscripted");
      const lines = bad.map((r) => `request #${r.index} ${r.outcome}: ${r.problems.join("; ") || "no reply queued"}`);
      if (queue.length)
        lines.push(`${queue.length} queued repl${queue.length === 1 ? "y was" : "ies were"} never used`);
      if (lines.length) throw new Error(`anthropicMock:\n- ${lines.join("\n- ")}`);
    },
    reset() {
      queue.length = 0;
      requests.length = 0;
    },
  };
  return mock;
}

/**
 * Starts an msw server answering with {@link anthropicMock}; unhandled requests are errors, so a
 * test can never reach the real network. Call `close()` when done.
 *
 * @example
 * const mock = startAnthropicMock();
 * afterAll(() => mock.close());
 * mock.enqueue(replyText("hello"));
 */
export function startAnthropicMock(options: AnthropicMockOptions = {}): RunningAnthropicMock {
  const mock = anthropicMock(options);
  const server = setupServer(...mock.handlers);
  server.listen({ onUnhandledRequest: "error" });
  return Object.assign(mock, { server, close: () => server.close() });
}

/**
 * A Troupe `anthropic()` ModelClient pointed at the mock (test key; one request per call: retries
 * come from a team's call pipeline). Build it
 * after the server listens: the SDK keeps the `fetch` it finds when the client is created.
 *
 * @example
 * const model = mockedClaude(mock, { model: "claude-haiku-4-5" });
 * const agent = defineAgent({ name: "a", description: "d", instructions: "i", model });
 */
export function mockedClaude(
  mock: Pick<AnthropicMock, "baseURL">,
  options: Omit<AnthropicOptions, "baseURL" | "client"> = {},
): ModelClient {
  return anthropic({
    apiKey: "test-key",
    ...options,
    baseURL: mock.baseURL,
  });
}

function answerError(record: RecordedRequest, reply: MockHttpError, outcome: RecordedRequest["outcome"]): Response {
  record.outcome = outcome;
  record.status = reply.status;
  return errorResponse(reply);
}
