import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryStore, offlineDecision, type ChatMessage, type ContentBlock } from "@troupe/core";
import { loadTeam } from "@troupe/patterns";
import {
  mockedClaude,
  startAnthropicMock,
  type MessagesRequestBody,
  type MockMessage,
  type RunningAnthropicMock,
} from "@troupe/testing";

const ROOT = resolve(import.meta.dirname, "..");

/** Answers like the offline model would, so every pattern runs through the real SDK and the mock. */
function offlineReply(body: MessagesRequestBody): MockMessage {
  const messages: ChatMessage[] = (body.messages ?? []).map((m) => ({
    role: m.role,
    content: (typeof m.content === "string" ? [{ type: "text", text: m.content }] : m.content).map(
      (b): ContentBlock => {
        if (b.type === "tool_use")
          return {
            type: "tool_use",
            id: String(b.id),
            name: String(b.name),
            input: b.input as Record<string, unknown>,
          };
        if (b.type === "tool_result")
          return {
            type: "tool_result",
            toolUseId: String(b.tool_use_id),
            content: String(b.content),
            ...(b.is_error ? { isError: true } : {}),
          };
        return { type: "text", text: String(b.text) };
      },
    ),
  }));
  const tools = (body.tools ?? []).map((t) => ({
    name: t.name,
    description: t.description ?? "",
    inputSchema: t.input_schema,
  }));
  const blocks = offlineDecision({ agent: "", messages, tools });
  return {
    type: "message",
    content: blocks.map((b) =>
      b.type === "tool_use"
        ? { type: "tool_use", name: b.name, input: b.input }
        : { type: "text", text: b.type === "text" ? b.text : "" },
    ),
  };
}

const specs: Array<[string, string]> = [
  ["examples/patterns/supervisor.yaml", "What should we know before a launch?"],
  ["examples/patterns/hierarchical.yaml", "Brief me on our market"],
  ["examples/patterns/handoff.yaml", "What does the pro plan cost? I need pricing"],
  ["examples/patterns/swarm.yaml", "Plan a trip with flights to Lisbon"],
  ["examples/patterns/network.yaml", "Should we open an office in Lisbon?"],
  ["examples/patterns/custom.yaml", "remote work"],
  ["examples/research-team/team.yaml", "Brief me on saga compensation"],
  ["examples/support-bot/team.yaml", "The invoice for order 1042 shows the wrong amount"],
];

describe("every pattern through the Anthropic SDK: each request the API receives is valid", () => {
  let mock: RunningAnthropicMock;
  beforeAll(() => {
    mock = startAnthropicMock();
  });
  afterAll(() => mock.close());

  it.each(specs)("%s", async (spec, input) => {
    mock.reset();
    mock.enqueue(
      ...Array.from({ length: 60 }, () => (request: { body: MessagesRequestBody }) => offlineReply(request.body)),
    );
    const team = await loadTeam(resolve(ROOT, spec), { store: memoryStore(), model: mockedClaude(mock) });
    const first = await team.run(input, { threadId: "t" });
    const second = await team.run("And one more thing on that?", { threadId: "t" });
    expect([first.status, second.status]).toEqual(["completed", "completed"]);
    expect(mock.requests.length).toBeGreaterThan(2);
    const invalid = mock.requests
      .filter((r) => r.problems.length > 0)
      .map((r) => `#${r.index}: ${r.problems.join("; ")}`);
    expect(invalid).toEqual([]);
    expect(mock.requests.every((r) => r.outcome === "message" && r.stream)).toBe(true);
  });
});
