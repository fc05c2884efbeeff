import Anthropic from "@anthropic-ai/sdk";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { loadTeam, supervisor } from "@troupe/patterns";
import {
  anthropicMock,
  mockedClaude,
  replyError,
  replyText,
  replyToolUse,
  startAnthropicMock,
  type MockMessage,
  type MockReply,
  type RecordedRequest,
} from "@troupe/testing";
import { AgentRequestSchema } from "../protocol/agent-protocol.js";
import { anthropic } from "./anthropic-model.js";
import { defineAgent } from "../authoring/define-agent.js";
import { defineTool } from "../authoring/define-tool.js";
import { isTroupeError, type ErrorInfo, type TroupeError } from "../errors.js";
import type { EventBody, TroupeEvent } from "../protocol/events.js";
import { memoryStore } from "../stores/memory-store.js";
import { userText } from "../protocol/messages.js";
import type { ModelClient, ModelDelta, ModelRequest } from "../protocol/model-client.js";
import { ResilienceSchema, type RetrySpec } from "../protocol/resilience-policy.js";
import { resilientModel } from "../resilience/resilient-model.js";
import { runAgent } from "../agent/run-agent.js";

const mock = startAnthropicMock();
afterEach(() => {
  mock.reset();
  mock.server.resetHandlers();
});
afterAll(() => mock.close());

const weatherTool = defineTool({
  name: "get_weather",
  description: "Current weather for a city",
  input: z.object({ city: z.string(), days: z.number().optional() }),
  run: ({ city }) => ({ city, sky: "sunny", tempC: 21 }),
});

const ask = (text: string, extra: Partial<ModelRequest> = {}): ModelRequest => ({
  agent: "tester",
  system: "Be brief.",
  messages: [userText(text)],
  tools: [],
  ...extra,
});
/**
 * The client does no retries of its own: `through(model, retry)` sends its calls through the model's
 * call pipeline under `resilience.models.<id>.retry`, and `seen` collects the `retry` events.
 */
const retriesOf = () => {
  const seen: Array<{ attempt: number; delayMs: number; error: ErrorInfo }> = [];
  const emit = (event: EventBody) => {
    if (event.type === "retry") seen.push({ attempt: event.attempt, delayMs: event.delayMs, error: event.error });
  };
  const through = (model: ModelClient, retry: Partial<RetrySpec> = {}) =>
    resilientModel(model, { resilience: ResilienceSchema.parse({ models: { [model.id]: { retry } } }) }, { emit });
  return { seen, through };
};
const rejection = (work: Promise<unknown>) =>
  work.then(
    () => expect.unreachable("expected a rejection"),
    (e: unknown) => e as TroupeError,
  );
const contentOf = (r: RecordedRequest, i: number) => r.body.messages?.[i]?.content as Array<Record<string, unknown>>;

describe("anthropic() against the mocked Messages API", () => {
  it("runs a tool-use round trip through runAgent and answers the tool call by id", async () => {
    mock.enqueue(
      replyToolUse("get_weather", { city: "Paris" }, { text: "Let me check." }),
      replyText("Sunny and 21°C in Paris."),
    );
    const agent = defineAgent({
      name: "forecaster",
      description: "Weather",
      instructions: "Answer weather questions.",
      tools: [weatherTool],
    });
    const request = AgentRequestSchema.parse({
      runId: "r1",
      threadId: "t1",
      agent: "forecaster",
      task: "Weather in Paris?",
      messages: [],
      idempotencyKey: "k1",
    });
    const events: EventBody[] = [];
    const result = await runAgent(agent, request, { model: mockedClaude(mock), emit: (e) => events.push(e) });

    expect(result.output).toBe("Sunny and 21°C in Paris.");
    expect(result.directive).toEqual({ type: "finish" });
    expect(result.usage).toMatchObject({ inputTokens: 20, outputTokens: 10, modelCalls: 2 });
    const [first, second] = mock.requests;
    expect(first!.body).toMatchObject({
      system: "Answer weather questions.",
      messages: [{ role: "user", content: [{ type: "text", text: "Weather in Paris?" }] }],
      tools: [
        {
          name: "get_weather",
          description: "Current weather for a city",
          input_schema: { type: "object", properties: { city: { type: "string" } } },
        },
      ],
      tool_choice: { type: "auto" },
    });
    const toolUse = contentOf(second!, 1).find((b) => b.type === "tool_use")!;
    expect(toolUse).toMatchObject({
      name: "get_weather",
      input: { city: "Paris" },
      id: expect.stringMatching(/^toolu_mock_/),
    });
    expect(contentOf(second!, 2)).toEqual([
      {
        type: "tool_result",
        tool_use_id: toolUse.id,
        content: JSON.stringify({ city: "Paris", sky: "sunny", tempC: 21 }),
      },
    ]);
    expect(events).toMatchObject([{ type: "tool.called", tool: "get_weather", input: { city: "Paris" } }]);
    expect(mock.requests.map((r) => [r.stream, r.problems])).toEqual([
      [false, []],
      [false, []],
    ]);
    mock.assertDone();
  });

  it("streams text and tool-input deltas in order, and the final content equals their concatenation", async () => {
    mock.enqueue(
      replyToolUse("get_weather", { city: "Paris", days: 3 }, { text: "Checking the three-day forecast for Paris." }),
    );
    const deltas: ModelDelta[] = [];
    const response = await mockedClaude(mock).generate(
      ask("Forecast?", { tools: [weatherTool.spec], onDelta: (d) => deltas.push(d) }),
    );

    expect(mock.requests[0]!.stream).toBe(true);
    const kinds = deltas.map((d) => d.type);
    expect(kinds.indexOf("tool_input")).toBeGreaterThan(kinds.lastIndexOf("text"));
    const text = deltas.flatMap((d) => (d.type === "text" ? [d.text] : []));
    const json = deltas.flatMap((d) => (d.type === "tool_input" ? [d] : []));
    expect(text.length).toBeGreaterThan(1);
    expect(json.length).toBeGreaterThan(1);
    const [textBlock, toolBlock] = response.content;
    expect(textBlock).toEqual({ type: "text", text: text.join("") });
    expect(toolBlock).toEqual({
      type: "tool_use",
      id: json[0]!.toolUseId,
      name: "get_weather",
      input: JSON.parse(json.map((d) => d.partialJson).join("")),
    });
    expect(toolBlock).toMatchObject({ input: { city: "Paris", days: 3 } });
    expect(json.every((d) => d.toolUseId === json[0]!.toolUseId && d.name === "get_weather")).toBe(true);
    expect(response.stopReason).toBe("tool_use");
    mock.assertDone();
  });

  it("retries a 429 after the server's retry-after, then succeeds", async () => {
    mock.enqueue(replyError(429, { retryAfter: 0 }), replyText("ok after a wait"));
    const retries = retriesOf();
    const client = new Anthropic({ apiKey: "test", baseURL: mock.baseURL, maxRetries: 0 });
    const response = await retries.through(anthropic({ client }), { baseDelayMs: 1 }).generate(ask("hi"));

    expect(response.content).toEqual([{ type: "text", text: "ok after a wait" }]);
    expect(mock.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(retries.seen).toHaveLength(1);
    expect(retries.seen[0]).toMatchObject({
      attempt: 1,
      delayMs: 0,
      error: { code: "MODEL_RATE_LIMITED", retryable: true },
    });
    mock.assertDone();
  });

  it("retries a streamed request that was rate limited, and honours retry-after as an HTTP date", async () => {
    mock.enqueue(replyError(529, { retryAfter: new Date(Date.now() - 5_000).toUTCString() }), replyText("streamed"));
    const retries = retriesOf();
    const deltas: ModelDelta[] = [];
    const response = await retries
      .through(mockedClaude(mock), { baseDelayMs: 1 })
      .generate(ask("hi", { onDelta: (d) => deltas.push(d) }));

    expect(response.content).toEqual([{ type: "text", text: "streamed" }]);
    expect(deltas).toEqual([{ type: "text", text: "streamed" }]);
    expect(mock.requests.map((r) => [r.stream, r.status])).toEqual([
      [true, 529],
      [true, 200],
    ]);
    expect(retries.seen).toMatchObject([{ attempt: 1, delayMs: 0, error: { code: "MODEL_OVERLOADED" } }]);
  });

  it("does not retry a 400 and fails with MODEL_BAD_REQUEST", async () => {
    mock.enqueue(replyError(400, { message: "max_tokens: 999999 > 64000, the maximum for this model" }));
    const retries = retriesOf();
    const error = await rejection(
      retries.through(mockedClaude(mock, { model: "claude-sonnet-4-6" }), { baseDelayMs: 1 }).generate(ask("hi")),
    );

    expect(isTroupeError(error, "MODEL_BAD_REQUEST")).toBe(true);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      "Claude (claude-sonnet-4-6): HTTP 400 invalid_request_error: max_tokens: 999999 > 64000, the maximum for this model; the request was rejected and will not be retried",
    );
    expect(error.details).toEqual({ status: 400 });
    expect(mock.requests).toHaveLength(1);
    expect(retries.seen).toEqual([]);
  });

  it("does not retry a 401 and names the key to check", async () => {
    mock.enqueue(replyError(401, { message: "invalid x-api-key" }));
    const error = await rejection(mockedClaude(mock).generate(ask("hi")));
    expect(isTroupeError(error, "MODEL_AUTH")).toBe(true);
    expect(error.message).toContain("ANTHROPIC_API_KEY");
    expect(mock.requests).toHaveLength(1);
  });

  it("retries a 500 up to the policy, then fails with MODEL_SERVER_ERROR", async () => {
    mock.enqueue(replyError(500), replyError(500), replyError(500), replyText("never reached"));
    const retries = retriesOf();
    const error = await rejection(
      retries.through(mockedClaude(mock), { maxRetries: 2, baseDelayMs: 1 }).generate(ask("hi")),
    );

    expect(isTroupeError(error, "MODEL_SERVER_ERROR")).toBe(true);
    expect(error.retryable).toBe(true);
    // no retry-after header: no server hint, so the backoff is Troupe's own
    expect(error.details).toEqual({ status: 500 });
    expect(mock.requests.map((r) => r.status)).toEqual([500, 500, 500]);
    expect(retries.seen.map((r) => r.attempt)).toEqual([1, 2]);
    expect(retries.seen.every((r) => r.delayMs <= 2 ** r.attempt && r.error.code === "MODEL_SERVER_ERROR")).toBe(true);
    expect(mock.pending()).toBe(1);
  });

  it.each([
    ["claude-sonnet-4-6", 3, 15],
    ["claude-opus-4-6", 5, 25],
    ["claude-opus-4-1-20250805", 15, 75],
    ["claude-opus-4-20250514", 15, 75],
    ["claude-3-opus-20240229", 15, 75],
    ["claude-haiku-4-5", 1, 5],
    ["claude-3-5-haiku-20241022", 0.8, 4],
    ["claude-3-haiku-20240307", 0.25, 1.25],
  ])("counts tokens and prices %s at $%d/$%d per MTok", async (model, inPrice, outPrice) => {
    mock.enqueue(replyText("priced", { usage: { inputTokens: 1_000_000, outputTokens: 100_000 } }));
    const response = await mockedClaude(mock, { model }).generate(ask("hi"));
    expect(mock.requests[0]!.body.model).toBe(model);
    expect(response.model).toBe(model);
    expect(response.usage.inputTokens).toBe(1_000_000);
    expect(response.usage.outputTokens).toBe(100_000);
    expect(response.usage.costUsd).toBeCloseTo(inPrice + outPrice / 10, 9);
  });

  it("counts cached input tokens, billing cache reads at 0.1x and cache writes at 1.25x", async () => {
    mock.enqueue(
      replyText("cached", {
        usage: { inputTokens: 1000, outputTokens: 100, cacheReadInputTokens: 10_000, cacheCreationInputTokens: 2000 },
      }),
    );
    const response = await mockedClaude(mock, { model: "claude-sonnet-4-6" }).generate(ask("hi"));
    expect(response.usage.inputTokens).toBe(13_000);
    expect(response.usage.costUsd).toBeCloseTo(((1000 + 10_000 * 0.1 + 2000 * 1.25) * 3 + 100 * 15) / 1e6, 12);
  });

  it("uses an explicit price table over the model family's", async () => {
    mock.enqueue(replyText("custom", { usage: { inputTokens: 2000, outputTokens: 1000 } }));
    const response = await mockedClaude(mock, { pricing: { inputPerMTok: 2, outputPerMTok: 10 } }).generate(ask("hi"));
    expect(response.usage.costUsd).toBeCloseTo((2000 * 2 + 1000 * 10) / 1e6, 12);
  });

  it("honours ANTHROPIC_BASE_URL when no baseURL is passed", async () => {
    const elsewhere = anthropicMock({ baseURL: "http://anthropic-gateway.mock" }).enqueue(replyText("via the gateway"));
    mock.server.use(...elsewhere.handlers);
    const saved = process.env.ANTHROPIC_BASE_URL;
    process.env.ANTHROPIC_BASE_URL = elsewhere.baseURL;
    try {
      const response = await anthropic({ apiKey: "test-env" }).generate(ask("hi"));
      expect(response.content).toEqual([{ type: "text", text: "via the gateway" }]);
    } finally {
      if (saved === undefined) delete process.env.ANTHROPIC_BASE_URL;
      else process.env.ANTHROPIC_BASE_URL = saved;
    }
    expect(elsewhere.requests).toHaveLength(1);
    const { authorization, "x-api-key": apiKey } = elsewhere.requests[0]!.headers;
    expect(apiKey ?? authorization).toMatch(/^(Bearer )?test-env$/); // SDK 1.x sends the key as a bearer token
    expect(mock.requests).toHaveLength(0);
    elsewhere.assertDone();
  });

  it("runs a whole supervisor team against the mock, streaming, with every request valid", async () => {
    const notes = defineTool({
      name: "search_notes",
      description: "Search the team's notes",
      input: z.object({ query: z.string() }),
      run: ({ query }) => [{ title: "sagas", snippet: `notes on ${query}: compensate completed steps in reverse` }],
    });
    const model = mockedClaude(mock, { model: "claude-sonnet-4-6" });
    const lead = defineAgent({
      name: "lead",
      description: "Leads the team",
      instructions: "You lead the team.",
      model,
    });
    const researcher = defineAgent({
      name: "researcher",
      description: "Finds facts",
      instructions: "You find facts.",
      tools: [notes],
      model,
    });
    const writer = defineAgent({
      name: "writer",
      description: "Writes briefs",
      instructions: "You write briefs.",
      model,
    });
    const team = supervisor({
      name: "research",
      lead,
      workers: [researcher, writer],
      limits: { maxTurns: 8 },
      store: memoryStore(),
    });
    mock.enqueue(
      to("You lead", replyToolUse("delegate", { agent: "researcher", task: "find facts on sagas" })),
      to("You find", replyToolUse("search_notes", { query: "sagas" })),
      to("You find", replyText("Fact: sagas compensate completed steps in reverse.")),
      to("You lead", replyToolUse("delegate", { agent: "writer", task: "write a brief from the facts" })),
      to("You write", replyText("Brief: a saga undoes its completed steps in reverse order.")),
      to("You lead", replyToolUse("finish", { answer: "Sagas undo completed steps in reverse order." })),
    );

    const events: TroupeEvent[] = [];
    for await (const event of team.stream("Brief me on sagas", { threadId: "sup-1" })) events.push(event);
    const state = await team.state("sup-1");

    expect(state?.status).toBe("completed");
    expect(state?.output).toBe("Sagas undo completed steps in reverse order.");
    expect(state?.steps.map((s) => s.agent)).toEqual(["lead", "researcher", "lead", "writer", "lead"]);
    expect(mock.requests.map((r) => ({ status: r.status, problems: r.problems, stream: r.stream }))).toEqual(
      Array.from({ length: 6 }, () => ({ status: 200, problems: [], stream: true })),
    );
    // the lead's second request answers its delegate call with the researcher's result
    const leadAgain = mock.requests[3]!;
    const delegateCall = contentOf(leadAgain, leadAgain.body.messages!.length - 2).find((b) => b.type === "tool_use")!;
    expect(contentOf(leadAgain, leadAgain.body.messages!.length - 1)[0]).toMatchObject({
      type: "tool_result",
      tool_use_id: delegateCall.id,
      content: expect.stringContaining("sagas compensate completed steps in reverse"),
    });
    const completed = events.find((e) => e.type === "run.completed");
    expect(completed).toMatchObject({ usage: { inputTokens: 60, outputTokens: 30, modelCalls: 6 } });
    expect((completed as { usage: { costUsd: number } }).usage.costUsd).toBeCloseTo((6 * (10 * 3 + 5 * 15)) / 1e6, 9);
    expect(events.some((e) => e.type === "model.delta" && e.agent === "writer")).toBe(true);
    expect(events.filter((e) => e.type === "tool.called").map((e) => (e as { tool: string }).tool)).toEqual([
      "search_notes",
    ]);
    mock.assertDone();
  });
});

describe("model retries come from the spec alone: anthropic() makes one request per call", () => {
  /** A one-agent-deep supervisor team on the mocked API; its lead's first model call gets the mock's answers. */
  async function runTeam(resilience: Record<string, unknown>) {
    const raw = {
      name: "desk",
      pattern: "supervisor",
      supervisor: "lead",
      agents: {
        lead: { description: "Leads the desk", instructions: "You lead the desk." },
        clerk: { description: "Files things", instructions: "You file things." },
      },
      resilience,
    };
    const team = await loadTeam(
      { raw, baseDir: process.cwd() },
      { store: memoryStore(), model: mockedClaude(mock, { model: "claude-sonnet-4-6" }) },
    );
    try {
      const events: TroupeEvent[] = [];
      for await (const event of team.stream("File the report", { threadId: "retries" })) events.push(event);
      const retries = events.flatMap((e) => (e.type === "retry" ? [[e.scope, e.name, e.attempt, e.error.code]] : []));
      const failed = events.find((e) => e.type === "run.failed") as { error: { code: string } } | undefined;
      return { retries, failed: failed?.error.code };
    } finally {
      await team.close();
    }
  }

  it.each([529, 500])("with resilience.retry.maxRetries: 0, a %d answer is requested exactly once", async (status) => {
    mock.enqueue(replyError(status), replyError(status), replyError(status), replyError(status));
    const { retries, failed } = await runTeam({ retry: { maxRetries: 0 } });
    expect(mock.requests.map((r) => r.status)).toEqual([status]);
    expect(retries).toEqual([]);
    expect(failed).toBe(status === 529 ? "MODEL_OVERLOADED" : "MODEL_SERVER_ERROR");
  });

  it("with the model's own retry maxRetries: 2, a 500 is requested 3 times inside one agent call, with 2 retry events of scope model", async () => {
    mock.enqueue(replyError(500), replyError(500), replyError(500), replyText("never reached"));
    const { retries, failed } = await runTeam({
      retry: { maxRetries: 0 },
      models: { "claude-sonnet-4-6": { retry: { maxRetries: 2, baseDelayMs: 1 } } },
    });
    expect(mock.requests.map((r) => r.status)).toEqual([500, 500, 500]);
    expect(retries).toEqual([
      ["model", "anthropic:claude-sonnet-4-6", 1, "MODEL_SERVER_ERROR"],
      ["model", "anthropic:claude-sonnet-4-6", 2, "MODEL_SERVER_ERROR"],
    ]);
    expect(failed).toBe("MODEL_SERVER_ERROR");
    expect(mock.pending()).toBe(1);
  });

  it("with resilience.retry.maxRetries: 2 and no model policy, a 529 is requested 3 times: the agent request is retried, not stacked on client retries", async () => {
    mock.enqueue(replyError(529), replyError(529), replyError(529), replyText("never reached"));
    const { retries, failed } = await runTeam({ retry: { maxRetries: 2, baseDelayMs: 1 } });
    expect(mock.requests.map((r) => r.status)).toEqual([529, 529, 529]);
    expect(retries).toEqual([
      ["agent", "lead", 1, "MODEL_OVERLOADED"],
      ["agent", "lead", 2, "MODEL_OVERLOADED"],
    ]);
    expect(failed).toBe("MODEL_OVERLOADED");
  });
});

/** A reply meant for the agent whose system prompt starts with `instructions`; a mix-up answers 400 and fails the run. */
function to(instructions: string, reply: MockMessage): MockReply {
  return (request) => {
    const system = typeof request.body.system === "string" ? request.body.system : "";
    return system.startsWith(instructions)
      ? reply
      : replyError(400, {
          message: `expected a request from the agent told "${instructions}", got "${system.slice(0, 40)}"`,
        });
  };
}
