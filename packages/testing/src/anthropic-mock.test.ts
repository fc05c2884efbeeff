import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { startAnthropicMock } from "./anthropic-mock.js";
import { replyError, replyText, replyToolUse } from "./mock-reply.js";

const mock = startAnthropicMock({ chunkSize: 4 });
afterEach(() => mock.reset());
afterAll(() => mock.close());

const headers = { "content-type": "application/json", "x-api-key": "k", "anthropic-version": "2023-06-01" };
const valid = { model: "claude-haiku-4-5", max_tokens: 64, messages: [{ role: "user", content: "hi" }] };
const post = (body: unknown, extraHeaders: Record<string, string> = headers) =>
  fetch(`${mock.baseURL}/v1/messages`, { method: "POST", headers: extraHeaders, body: JSON.stringify(body) });

/** Parses an SSE body into [event, data] pairs. */
async function events(response: Response): Promise<Array<[string, Record<string, unknown>]>> {
  const text = await response.text();
  return text
    .split("\n\n")
    .filter(Boolean)
    .map((chunk) => {
      const [eventLine, dataLine] = chunk.split("\n");
      return [
        eventLine!.replace("event: ", ""),
        JSON.parse(dataLine!.replace("data: ", "")) as Record<string, unknown>,
      ];
    });
}

describe("anthropicMock", () => {
  it("answers a queued tool call as a JSON message and records the request", async () => {
    mock.enqueue(
      replyToolUse("get_weather", { city: "Paris" }, { text: "Checking.", usage: { inputTokens: 7, outputTokens: 3 } }),
    );
    const response = await post(valid);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      type: "message",
      role: "assistant",
      model: "claude-haiku-4-5",
      content: [
        { type: "text", text: "Checking." },
        {
          type: "tool_use",
          id: expect.stringMatching(/^toolu_mock_\d+$/),
          name: "get_weather",
          input: { city: "Paris" },
        },
      ],
      stop_reason: "tool_use",
      usage: { input_tokens: 7, output_tokens: 3 },
    });
    expect(mock.requests).toMatchObject([
      { index: 0, body: valid, stream: false, problems: [], outcome: "message", status: 200 },
    ]);
    mock.assertDone();
  });

  it("streams the API's event sequence when the body asks for stream: true", async () => {
    mock.enqueue(replyToolUse("get_weather", { city: "Paris" }, { text: "Looking it up" }));
    const response = await post({ ...valid, stream: true });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const list = await events(response);
    const names = list.map(([name]) => name);
    expect(names.slice(0, 3)).toEqual(["message_start", "ping", "content_block_start"]);
    expect(names.slice(-2)).toEqual(["message_delta", "message_stop"]);
    expect(names.filter((n) => n === "content_block_stop")).toHaveLength(2);
    const deltas = list
      .filter(([name]) => name === "content_block_delta")
      .map(([, data]) => data.delta as Record<string, string>);
    expect(deltas.filter((d) => d.type === "text_delta").map((d) => d.text)).toEqual(["Look", "ing ", "it u", "p"]);
    expect(
      JSON.parse(
        deltas
          .filter((d) => d.type === "input_json_delta")
          .map((d) => d.partial_json)
          .join(""),
      ),
    ).toEqual({ city: "Paris" });
    expect(list.at(-2)![1]).toMatchObject({ delta: { stop_reason: "tool_use" }, usage: { output_tokens: 5 } });
    expect(mock.requests[0]!.stream).toBe(true);
  });

  it("answers an invalid request 400 with the reasons, keeps the queued reply, and fails assertDone", async () => {
    mock.enqueue(replyText("unused"));
    const response = await post({ ...valid, messages: [{ role: "assistant", content: "hi" }] });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toContain('messages[0]: the first message must have role "user"');
    expect(mock.requests[0]).toMatchObject({
      outcome: "invalid",
      status: 400,
      problems: ['messages[0]: the first message must have role "user"'],
    });
    expect(mock.pending()).toBe(1);
    expect(() => mock.assertDone()).toThrowError(
      /request #0 invalid: messages\[0\]: the first message must have role "user"[\s\S]*1 queued reply was never used/,
    );
  });

  it("answers 400 when no reply is queued, and 401 / 400 for missing auth or version headers", async () => {
    expect((await post(valid)).status).toBe(400);
    expect(mock.requests[0]!.outcome).toBe("unscripted");
    expect(() => mock.assertDone()).toThrowError(/request #0 unscripted: no reply queued/);
    mock.enqueue(replyText("x"));
    expect((await post(valid, { "content-type": "application/json", "anthropic-version": "2023-06-01" })).status).toBe(
      401,
    );
    expect(mock.requests[1]!.problems).toEqual(["header x-api-key or authorization: required"]);
    expect((await post(valid, { "content-type": "application/json", "x-api-key": "k" })).status).toBe(400);
    expect(mock.requests[2]!.problems).toEqual(["header anthropic-version: required"]);
    expect(mock.pending()).toBe(1);
  });

  it("answers 400, not a retryable 500, when a reply function throws", async () => {
    mock.enqueue(() => {
      throw new Error("expected the writer to ask");
    });
    const response = await post(valid);
    expect(response.status).toBe(400);
    expect(mock.requests[0]!.problems).toEqual(["reply function threw: expected the writer to ask"]);
    expect(() => mock.assertDone()).toThrowError(/reply function threw: expected the writer to ask/);
  });

  it("plays scripted errors with their type and retry-after, and replies computed from the request", async () => {
    mock.enqueue(replyError(429, { retryAfter: 2 }), (request) =>
      replyText(`you said ${String(request.body.messages?.[0]?.content)}`),
    );
    const limited = await post(valid);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("2");
    expect(await limited.json()).toEqual({
      type: "error",
      error: { type: "rate_limit_error", message: "mock rate_limit_error" },
    });
    expect(await (await post(valid)).json()).toMatchObject({
      content: [{ type: "text", text: "you said hi" }],
      stop_reason: "end_turn",
    });
    expect(mock.requests.map((r) => r.outcome)).toEqual(["error", "message"]);
    mock.assertDone();
  });

  it("lets no request through to the network", async () => {
    // the rejection comes from msw's "error" strategy, not from DNS
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    await expect(fetch("http://unmocked.invalid/v1/messages", { method: "POST" })).rejects.toThrow(
      /\[MSW\] Cannot bypass a request/,
    );
    quiet.mockRestore();
  });
});
