import { describe, expect, it } from "vitest";
import type { ModelRequest } from "@troupe/core";
import { assertValidTranscript, validateMessagesRequest } from "./validate-messages-request.js";

const weather = {
  name: "get_weather",
  description: "Weather for a city",
  input_schema: { type: "object", properties: { city: { type: "string" } } },
};

/** A valid tool-use round trip; each case below breaks one rule of it. */
function roundTrip() {
  return {
    model: "claude-sonnet-4-6",
    max_tokens: 1024,
    system: "Be brief.",
    tools: [weather],
    tool_choice: { type: "auto" },
    messages: [
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Checking." },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "sunny" },
          { type: "text", text: "And tomorrow?" },
        ],
      },
      { role: "assistant", content: [{ type: "text", text: "Sunny today." }] },
      { role: "user", content: [{ type: "text", text: "Thanks" }] },
    ],
  };
}

type Body = ReturnType<typeof roundTrip> & Record<string, unknown>;
const broken = (change: (body: Body) => void): string[] => {
  const body = structuredClone(roundTrip()) as Body;
  change(body);
  return validateMessagesRequest(body);
};

describe("validateMessagesRequest", () => {
  it("accepts a valid tool-use round trip, string content and a streamed request", () => {
    expect(validateMessagesRequest(roundTrip())).toEqual([]);
    expect(
      validateMessagesRequest({ model: "m", max_tokens: 1, stream: true, messages: [{ role: "user", content: "hi" }] }),
    ).toEqual([]);
  });

  it("requires model, max_tokens and at least one message", () => {
    expect(validateMessagesRequest({ messages: [] })).toEqual([
      "model: required, a non-empty string",
      "max_tokens: required, a positive integer, got undefined",
      "messages: required, at least one message",
    ]);
    expect(validateMessagesRequest("hello")).toEqual(["body: must be a JSON object"]);
  });

  it("requires the first message from the user and alternating roles", () => {
    expect(broken((b) => b.messages.shift())).toContain('messages[0]: the first message must have role "user"');
    expect(broken((b) => b.messages.splice(3, 1))).toContain(
      "messages[3]: two user messages in a row; roles must alternate",
    );
    expect(broken((b) => ((b.messages[0] as { role: string }).role = "system"))).toContain(
      'messages[0].role: must be "user" or "assistant", got "system"',
    );
  });

  it("rejects empty content and empty or blank text blocks", () => {
    expect(broken((b) => (b.messages[4]!.content = []))).toEqual(["messages[4].content: must not be empty"]);
    expect(broken((b) => (b.messages[4]!.content = ""))).toEqual(["messages[4].content: must not be empty"]);
    expect(broken((b) => (b.messages[4]!.content = [{ type: "text", text: " \n" }]))).toEqual([
      "messages[4].content[0]: text content blocks must contain non-whitespace text",
    ]);
  });

  it("requires every tool_use to be answered in the next user message", () => {
    const problems = broken((b) => (b.messages[2]!.content = [{ type: "text", text: "never mind" }]));
    expect(problems).toEqual([
      "messages[2]: tool_use ids from messages[1] have no tool_result in this message: toolu_1",
    ]);
  });

  it("accepts an open tool_use in the last message (the model's turn is still to be answered)", () => {
    expect(broken((b) => b.messages.splice(2))).toEqual([]);
  });

  it("requires a tool_result to answer a tool_use of the assistant message just before it", () => {
    const problems = broken(
      (b) => (b.messages[4]!.content = [{ type: "tool_result", tool_use_id: "toolu_1", content: "again" }] as never),
    );
    expect(problems).toEqual([
      'messages[4]: tool_result for "toolu_1" answers no tool_use of the assistant message just before it',
    ]);
    const unknownId = broken(
      (b) => ((b.messages[2]!.content as Array<{ tool_use_id?: string }>)[0]!.tool_use_id = "toolu_9"),
    );
    expect(unknownId).toContain(
      'messages[2]: tool_result for "toolu_9" answers no tool_use of the assistant message just before it',
    );
    expect(unknownId).toContain(
      "messages[2]: tool_use ids from messages[1] have no tool_result in this message: toolu_1",
    );
  });

  it("requires tool_result blocks first in their message, and only in user messages", () => {
    expect(broken((b) => (b.messages[2]!.content as unknown[]).reverse())).toEqual([
      "messages[2].content[1]: tool_result blocks must come before any other content in the message",
    ]);
    const inAssistant = broken((b) =>
      (b.messages[3]!.content as unknown[]).push({ type: "tool_result", tool_use_id: "toolu_1", content: "x" }),
    );
    expect(inAssistant).toContain("messages[3].content[1]: tool_result blocks belong in user messages");
  });

  it("rejects duplicate or malformed tool_use ids and tool_use in user messages", () => {
    const duplicate = broken((b) => {
      b.messages[3]!.content = [
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Rome" } },
      ] as never;
      b.messages[4]!.content = [{ type: "tool_result", tool_use_id: "toolu_1", content: "rain" }] as never;
    });
    expect(duplicate).toContain('messages[3].content[0].id: tool_use id "toolu_1" is used twice; ids must be unique');
    expect(broken((b) => ((b.messages[1]!.content as Array<{ id?: string }>)[1]!.id = "toolu 1"))).toContain(
      'messages[1].content[1].id: "toolu 1" must match ^[a-zA-Z0-9_-]+$',
    );
    expect(
      broken((b) => (b.messages[0]!.content = [{ type: "tool_use", id: "t0", name: "x", input: {} }] as never)),
    ).toContain("messages[0].content[0]: tool_use blocks belong in assistant messages");
  });

  it("checks tool names, uniqueness, input schemas and tool_choice", () => {
    expect(broken((b) => b.tools.push({ ...weather }))).toEqual([
      'tools[1].name: "get_weather" is defined twice; tool names must be unique',
    ]);
    expect(broken((b) => (b.tools[0]!.name = "get weather!"))).toEqual([
      'tools[0].name: "get weather!" must match ^[a-zA-Z0-9_-]{1,64}$',
    ]);
    expect(broken((b) => (b.tools[0]!.name = "x".repeat(65)))[0]).toMatch(/^tools\[0\]\.name: .* must match/);
    expect(broken((b) => (b.tools[0]!.input_schema = { type: "string" } as never))).toEqual([
      'tools[0].input_schema: must be a JSON Schema with type "object"',
    ]);
    expect(broken((b) => (b.tool_choice = { type: "tool", name: "nope" } as never))).toEqual([
      'tool_choice.name: "nope" is not one of the tools',
    ]);
    expect(
      validateMessagesRequest({
        model: "m",
        max_tokens: 5,
        tool_choice: { type: "any" },
        messages: [{ role: "user", content: "hi" }],
      }),
    ).toEqual(["tool_choice: may only be given together with tools"]);
  });

  it("rejects a final assistant message ending in whitespace (a prefill the API refuses)", () => {
    expect(broken((b) => b.messages.push({ role: "assistant", content: [{ type: "text", text: "Sure: " }] }))).toEqual([
      "messages[5]: a final assistant message cannot end with trailing whitespace",
    ]);
  });
});

describe("assertValidTranscript", () => {
  const request = (messages: ModelRequest["messages"]): ModelRequest => ({
    agent: "researcher",
    system: "Find facts.",
    messages,
    tools: [{ name: "search_notes", description: "Search", inputSchema: { type: "object", properties: {} } }],
  });

  it("passes a Troupe transcript whose tool results answer the calls before them", () => {
    expect(() =>
      assertValidTranscript(
        request([
          { role: "user", content: [{ type: "text", text: "find sagas" }] },
          {
            role: "assistant",
            content: [{ type: "tool_use", id: "toolu_a", name: "search_notes", input: { query: "sagas" } }],
          },
          { role: "user", content: [{ type: "tool_result", toolUseId: "toolu_a", content: "[]", isError: true }] },
        ]),
      ),
    ).not.toThrow();
  });

  it("throws, naming the agent and every problem, for a dangling call and an empty message", () => {
    const bad = request([
      { role: "user", content: [{ type: "text", text: "find sagas" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_a", name: "search_notes", input: {} }] },
      { role: "user", content: [{ type: "text", text: "go on" }] },
      { role: "assistant", content: [] },
    ]);
    expect(() => assertValidTranscript(bad)).toThrowError(
      "invalid Messages API request from agent researcher:\n" +
        "- messages[3].content: must not be empty\n" +
        "- messages[2]: tool_use ids from messages[1] have no tool_result in this message: toolu_a",
    );
  });

  it("throws for a transcript that does not start with the user", () => {
    expect(() => assertValidTranscript(request([]))).toThrowError(/messages: required, at least one message/);
    expect(() =>
      assertValidTranscript(request([{ role: "assistant", content: [{ type: "text", text: "hi" }] }])),
    ).toThrowError(/first message must have role "user"/);
  });
});
