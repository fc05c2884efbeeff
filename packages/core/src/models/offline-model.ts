import { createHash } from "node:crypto";
import { DELEGATE_TOOL, FINISH_TOOL, RESPOND_TOOL, TRANSFER_PREFIX } from "../protocol/directive-tools.js";
import type { ChatMessage, ContentBlock, ToolResultBlock, ToolUseBlock } from "../protocol/messages.js";
import type { ModelClient, ModelRequest, ModelResponse, ToolSpec } from "../protocol/model-client.js";

export const OFFLINE_NOTICE =
  "Using the offline demo model: no API key, no network; answers are deterministic templates built from the inputs, not an LLM. Set ANTHROPIC_API_KEY to use Claude.";

/**
 * A model for demos that needs no key and no network. It is not an LLM: it follows fixed rules
 * (delegate to each teammate once, then finish; call each of its tools once, in order, with the task as input;
 * transfer to the teammate whose description best matches the request, unless it was just handed the conversation; summarise what it was
 * given), so a team's wiring can be watched end to end, deterministically.
 *
 * @example
 * const team = supervisor({ ..., model: offlineModel() });
 */
export function offlineModel(): ModelClient {
  return {
    id: "offline",
    async generate(request) {
      const content = decide(request);
      const size = JSON.stringify(request.messages).length + request.system.length;
      const out = JSON.stringify(content).length;
      return {
        content,
        stopReason: content.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn",
        usage: { inputTokens: Math.ceil(size / 4), outputTokens: Math.ceil(out / 4), costUsd: 0 },
        model: "offline",
      } satisfies ModelResponse;
    },
  };
}

/**
 * The offline model's answer to a request, computed synchronously: the same rules `offlineModel()`
 * follows. Handy to drive a mocked API with realistic, deterministic turns.
 *
 * @example
 * const blocks = offlineDecision({ agent: "lead", system: "", messages, tools });
 */
export function offlineDecision(request: Pick<ModelRequest, "agent" | "messages" | "tools">): ContentBlock[] {
  return decide(request);
}

function decide(request: Pick<ModelRequest, "agent" | "messages" | "tools">): ContentBlock[] {
  const episode = currentEpisode(request.messages);
  const ask = episode.ask;
  const tools = new Map(request.tools.map((t) => [t.name, t]));

  const delegate = tools.get(DELEGATE_TOOL);
  if (delegate) {
    const targets = enumOf(delegate, "agent");
    const asked = episode.calls.filter((c) => c.name === DELEGATE_TOOL).map((c) => String(c.input.agent));
    const next = targets.find((t) => !asked.includes(t));
    const results = episode.results.filter((r) => !r.isError).map((r) => r.content);
    if (next) {
      const context = results.length ? `\n\nWhat the team has so far:\n${results.at(-1)}` : "";
      return [callTool(request, DELEGATE_TOOL, { agent: next, task: `${ask}${context}` }, episode.calls.length)];
    }
    if (tools.has(FINISH_TOOL))
      return [callTool(request, FINISH_TOOL, { answer: results.at(-1) ?? ask }, episode.calls.length)];
  }

  const transfers = request.tools.filter((t) => t.name.startsWith(TRANSFER_PREFIX));
  // an agent that was just handed the conversation does the work rather than pass it on again
  const handedOver = ask.includes("Reason for the transfer:");
  if (transfers.length && episode.calls.length === 0 && !handedOver) {
    const best = bestMatch(ask, transfers, request.agent);
    if (best) {
      return [
        callTool(request, best.name, { task: ask, reason: `the request is about ${best.matched.join(", ")}` }, 0),
      ];
    }
  }

  const own = request.tools.filter(
    (t) => ![DELEGATE_TOOL, FINISH_TOOL, RESPOND_TOOL].includes(t.name) && !t.name.startsWith(TRANSFER_PREFIX),
  );
  const unused = own.find((t) => !episode.calls.some((c) => c.name === t.name));
  if (unused) return [callTool(request, unused.name, inputFor(unused, ask), episode.calls.length)];

  const answer = compose(ask, episode.results);
  const respond = tools.get(RESPOND_TOOL);
  if (respond)
    return [
      callTool(
        request,
        RESPOND_TOOL,
        valueFor(respond.inputSchema, answer) as Record<string, unknown>,
        episode.calls.length,
      ),
    ];
  if (tools.has(FINISH_TOOL)) return [callTool(request, FINISH_TOOL, { answer }, episode.calls.length)];
  return [{ type: "text", text: answer }];
}

interface Episode {
  ask: string;
  calls: ToolUseBlock[];
  results: ToolResultBlock[];
}

/** The last user text and everything the agent did after it. */
function currentEpisode(messages: ChatMessage[]): Episode {
  let start = 0;
  let ask = "";
  messages.forEach((m, i) => {
    const text =
      m.role === "user"
        ? m.content
            .filter((b) => b.type === "text")
            .map((b) => b.text)
            .join("\n")
            .trim()
        : "";
    if (text) {
      start = i;
      ask = text;
    }
  });
  const after = messages.slice(start);
  const calls = after.flatMap((m) => m.content.filter((b): b is ToolUseBlock => b.type === "tool_use"));
  const results = after.flatMap((m) => m.content.filter((b): b is ToolResultBlock => b.type === "tool_result"));
  return { ask, calls, results };
}

function compose(ask: string, results: ToolResultBlock[]): string {
  const firstLine = ask.split("\n")[0]!.trim();
  const found = results.flatMap((r) => (r.isError ? [`- could not complete: ${r.content}`] : linesOf(r.content)));
  const given = ask
    .split("\n")
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l.startsWith("- "));
  const points = [...found, ...given];
  if (!points.length) return `On "${firstLine}": nothing to add beyond the request itself.`;
  return `On "${firstLine}":\n${[...new Set(points)].slice(0, 8).join("\n")}`;
}

/** Readable bullet lines from a tool result (JSON arrays of records, or text). */
function linesOf(content: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    // not an error: a tool result that is not JSON is read as lines of text
    return content
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => (l.startsWith("- ") ? l : `- ${l}`));
  }
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    if (item && typeof item === "object") {
      const rec = item as Record<string, unknown>;
      const title = rec.title ?? rec.name ?? rec.id;
      const known = rec.snippet ?? rec.text ?? rec.summary ?? rec.status;
      const body =
        known ??
        Object.entries(rec)
          .filter(([k]) => !["title", "name", "id", "source"].includes(k))
          .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
          .join(", ");
      const source = rec.source ? ` (${String(rec.source)})` : "";
      return `- ${title ? `${String(title)}: ` : ""}${String(body)}${source}`.trim();
    }
    return `- ${String(item)}`;
  });
}

function bestMatch(ask: string, transfers: ToolSpec[], self: string): { name: string; matched: string[] } | undefined {
  const words = new Set(tokens(ask));
  let best: { name: string; matched: string[] } | undefined;
  for (const t of transfers) {
    if (t.name === `${TRANSFER_PREFIX}${self}`) continue;
    const matched = [...new Set(tokens(t.description))].filter((w) => words.has(w));
    if (matched.length && (!best || matched.length > best.matched.length)) best = { name: t.name, matched };
  }
  return best;
}

const STOP = new Set([
  "the",
  "and",
  "for",
  "with",
  "that",
  "this",
  "your",
  "you",
  "are",
  "what",
  "from",
  "about",
  "have",
  "has",
  "was",
  "not",
  "but",
  "can",
  "who",
  "their",
  "they",
  "them",
  "control",
  "does",
  "come",
  "back",
  "unless",
  "hand",
  "transfer",
  "conversation",
]);
function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 2 && !STOP.has(w))
    .map((w) => w.replace(/s$/, ""));
}

function enumOf(tool: ToolSpec, field: string): string[] {
  const props = (tool.inputSchema.properties ?? {}) as Record<string, { enum?: unknown[] }>;
  return (props[field]?.enum ?? []).map(String);
}

function inputFor(tool: ToolSpec, ask: string): Record<string, unknown> {
  return valueFor(tool.inputSchema, ask.split("\n")[0] ?? ask) as Record<string, unknown>;
}

/** A value that fits a JSON Schema, filling text fields with `text`. */
function valueFor(schema: unknown, text: string): unknown {
  const s = (schema ?? {}) as {
    type?: string;
    properties?: Record<string, unknown>;
    required?: string[];
    items?: unknown;
    enum?: unknown[];
    minimum?: number;
  };
  if (s.enum?.length) return s.enum[0];
  switch (s.type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [key, sub] of Object.entries(s.properties ?? {})) {
        if (s.required && !s.required.includes(key)) continue;
        out[key] = valueFor(sub, text);
      }
      return out;
    }
    case "array":
      return text
        .split("\n")
        .map((l) => l.replace(/^- /, "").trim())
        .filter(Boolean)
        .slice(0, 5)
        .map((line) => valueFor(s.items, line));
    case "number":
    case "integer":
      return s.minimum ?? 1;
    case "boolean":
      return true;
    default:
      return text;
  }
}

/** Tool-use ids are derived from the request, so the same request always gives the same answer. */
function callTool(
  request: Pick<ModelRequest, "agent" | "messages">,
  name: string,
  input: Record<string, unknown>,
  n: number,
): ToolUseBlock {
  const digest = createHash("sha256")
    .update(JSON.stringify([request.agent, request.messages, name, input, n]))
    .digest("hex")
    .slice(0, 20);
  return { type: "tool_use", id: `toolu_off_${digest}`, name, input };
}
