import Anthropic from "@anthropic-ai/sdk";
import { TroupeError, type ErrorCode } from "../errors.js";
import type { ChatMessage, ContentBlock } from "../protocol/messages.js";
import type { ModelClient, ModelRequest, ModelResponse } from "../protocol/model-client.js";

export const DEFAULT_CLAUDE_MODEL = "claude-sonnet-4-6";

/** Claude model names this version knows (from the SDK); newer ones work as "anthropic:<name>". */
export const KNOWN_CLAUDE_MODELS: readonly string[] = [
  "claude-fable-5-2",
  "claude-mythos-5-2",
  "claude-haiku-5-5",
  "claude-sonnet-5-5",
  "claude-fable-5-1",
  "claude-opus-5-5",
  "claude-mythos-5-1",
  "claude-sonnet-5",
  "claude-fable-5",
  "claude-mythos-5",
  "claude-opus-5",
  "claude-opus-4-8",
  "claude-opus-4-7",
  "claude-mythos-preview",
  "claude-opus-4-6",
  "claude-sonnet-4-6",
  "claude-haiku-4-5",
  "claude-opus-4-5",
  "claude-sonnet-4-5",
  "claude-opus-4-1",
  "claude-opus-4-0",
  "claude-sonnet-4-0",
  "claude-3-7-sonnet-latest",
  "claude-3-5-haiku-latest",
];

/** A Claude name this version knows, with or without a date suffix (claude-opus-4-5-20251101). */
export function isKnownClaudeModel(name: string): boolean {
  return KNOWN_CLAUDE_MODELS.includes(name) || KNOWN_CLAUDE_MODELS.includes(name.replace(/-\d{8}$/, ""));
}

export interface AnthropicOptions {
  /** Model name (default claude-sonnet-4-6, or TROUPE_MODEL). */
  model?: string;
  /** Defaults to ANTHROPIC_API_KEY. */
  apiKey?: string;
  /** Defaults to ANTHROPIC_BASE_URL, so gateways and proxies work. */
  baseURL?: string;
  maxTokens?: number;
  /** USD per million tokens; defaults from the model family. */
  pricing?: { inputPerMTok: number; outputPerMTok: number };
  /** A ready SDK client, e.g. one pointed at a test server. */
  client?: Anthropic;
}

/**
 * USD per million input/output tokens by model family, first match wins. Names come dated
 * (claude-opus-4-20250514, claude-3-haiku-20240307) or as aliases (claude-opus-4-1, claude-haiku-4-5).
 */
const PRICES: Array<[RegExp, { inputPerMTok: number; outputPerMTok: number }]> = [
  [/3-opus|opus-3|opus-4-[01](?!\d)|opus-4-20\d{6}|opus-4$/, { inputPerMTok: 15, outputPerMTok: 75 }],
  [/opus/, { inputPerMTok: 5, outputPerMTok: 25 }],
  [/3-5-haiku|haiku-3-5/, { inputPerMTok: 0.8, outputPerMTok: 4 }],
  [/3-haiku|haiku-3/, { inputPerMTok: 0.25, outputPerMTok: 1.25 }],
  [/haiku/, { inputPerMTok: 1, outputPerMTok: 5 }],
  [/./, { inputPerMTok: 3, outputPerMTok: 15 }],
];

/**
 * Claude through `@anthropic-ai/sdk`: tool use, streaming deltas, usage in tokens and USD, SDK
 * errors mapped to typed retryable or final errors. One call is one request: the client does no
 * retries of its own (nor does the SDK, created with `maxRetries: 0`); a team retries model calls
 * in its call pipeline, under the spec's `resilience` alone.
 *
 * @example
 * const model = anthropic({ model: "claude-sonnet-4-6" });
 * const team = supervisor({ ..., model });
 */
export function anthropic(options: AnthropicOptions = {}): ModelClient {
  const model = options.model ?? process.env.TROUPE_MODEL ?? DEFAULT_CLAUDE_MODEL;
  const pricing = options.pricing ?? PRICES.find(([re]) => re.test(model))![1];
  const client =
    options.client ??
    new Anthropic({
      apiKey: options.apiKey ?? process.env.ANTHROPIC_API_KEY ?? null,
      ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      maxRetries: 0,
    });
  return {
    id: `anthropic:${model}`,
    generate: (request) => generateOnce(client, model, options.maxTokens ?? 4096, request, pricing),
  };
}

async function generateOnce(
  client: Anthropic,
  model: string,
  maxTokens: number,
  request: ModelRequest,
  pricing: { inputPerMTok: number; outputPerMTok: number },
): Promise<ModelResponse> {
  const params: Anthropic.MessageCreateParamsNonStreaming = {
    model,
    max_tokens: request.maxTokens ?? maxTokens,
    ...(request.system ? { system: request.system } : {}),
    messages: request.messages.map(toAnthropicMessage),
    ...(request.tools.length
      ? {
          tools: request.tools.map((t) => ({
            name: t.name,
            description: t.description,
            input_schema: t.inputSchema as Anthropic.Tool.InputSchema,
          })),
          tool_choice: { type: request.toolChoice ?? "auto" },
        }
      : {}),
  };
  try {
    const message = request.onDelta
      ? await streamMessage(client, params, request)
      : await client.messages.create(params, { signal: request.signal ?? null });
    const content = message.content.flatMap(fromAnthropicBlock);
    const cacheRead = message.usage.cache_read_input_tokens ?? 0;
    const cacheWrite = message.usage.cache_creation_input_tokens ?? 0;
    const inputTokens = message.usage.input_tokens + cacheRead + cacheWrite;
    const outputTokens = message.usage.output_tokens;
    // cache reads bill at 0.1x the input price and (5-minute) cache writes at 1.25x
    const inputCost = (message.usage.input_tokens + cacheRead * 0.1 + cacheWrite * 1.25) * pricing.inputPerMTok;
    return {
      content,
      stopReason: (message.stop_reason ?? "end_turn") as ModelResponse["stopReason"],
      usage: { inputTokens, outputTokens, costUsd: (inputCost + outputTokens * pricing.outputPerMTok) / 1e6 },
      model: message.model,
    };
  } catch (error) {
    throw mapAnthropicError(error, model);
  }
}

async function streamMessage(
  client: Anthropic,
  params: Anthropic.MessageCreateParamsNonStreaming,
  request: ModelRequest,
): Promise<Anthropic.Message> {
  const stream = client.messages.stream(params, { signal: request.signal ?? null });
  const toolIds = new Map<number, { id: string; name: string }>();
  for await (const event of stream) {
    if (event.type === "content_block_start" && event.content_block.type === "tool_use") {
      toolIds.set(event.index, { id: event.content_block.id, name: event.content_block.name });
    } else if (event.type === "content_block_delta") {
      if (event.delta.type === "text_delta") request.onDelta?.({ type: "text", text: event.delta.text });
      else if (event.delta.type === "input_json_delta") {
        const tool = toolIds.get(event.index);
        if (tool)
          request.onDelta?.({
            type: "tool_input",
            toolUseId: tool.id,
            name: tool.name,
            partialJson: event.delta.partial_json,
          });
      }
    }
  }
  return stream.finalMessage();
}

function toAnthropicMessage(message: ChatMessage): Anthropic.MessageParam {
  return {
    role: message.role,
    content: message.content.map((block): Anthropic.ContentBlockParam => {
      if (block.type === "text") return { type: "text", text: block.text };
      if (block.type === "tool_use") return { type: "tool_use", id: block.id, name: block.name, input: block.input };
      return {
        type: "tool_result",
        tool_use_id: block.toolUseId,
        content: block.content,
        ...(block.isError ? { is_error: true } : {}),
      };
    }),
  };
}

function fromAnthropicBlock(block: Anthropic.ContentBlock): ContentBlock[] {
  if (block.type === "text") return block.text ? [{ type: "text", text: block.text }] : [];
  if (block.type === "tool_use")
    return [
      { type: "tool_use", id: block.id, name: block.name, input: (block.input ?? {}) as Record<string, unknown> },
    ];
  return [];
}

/** Maps SDK errors to Troupe codes: 429/5xx/timeouts/connection are retryable, other 4xx are not. */
export function mapAnthropicError(error: unknown, model: string): TroupeError {
  if (error instanceof TroupeError) return error;
  const where = `Claude (${model})`;
  if (error instanceof Anthropic.APIUserAbortError)
    return new TroupeError("ABORTED", `${where}: request aborted`, { cause: error });
  if (error instanceof Anthropic.APIConnectionTimeoutError)
    return new TroupeError("MODEL_TIMEOUT", `${where}: request timed out`, { cause: error });
  if (error instanceof Anthropic.APIConnectionError) {
    return new TroupeError(
      "MODEL_CONNECTION",
      `${where}: cannot reach the API (${error.message}); check the network or ANTHROPIC_BASE_URL`,
      { cause: error },
    );
  }
  if (error instanceof Anthropic.APIError && typeof error.status === "number") {
    const status = error.status;
    const retryAfter = retryAfterMs(error.headers);
    const details = { status, ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }) };
    const code: ErrorCode =
      status === 429
        ? "MODEL_RATE_LIMITED"
        : status === 529
          ? "MODEL_OVERLOADED"
          : status === 408
            ? "MODEL_TIMEOUT"
            : status >= 500
              ? "MODEL_SERVER_ERROR"
              : status === 401 || status === 403
                ? "MODEL_AUTH"
                : "MODEL_BAD_REQUEST";
    const hint =
      code === "MODEL_AUTH"
        ? "; check ANTHROPIC_API_KEY"
        : code === "MODEL_BAD_REQUEST"
          ? "; the request was rejected and will not be retried"
          : "";
    // the SDK's own message embeds the raw JSON body; the API's message and type read better
    const said = error.apiMessage ? `${error.type ?? "error"}: ${error.apiMessage}` : error.message;
    return new TroupeError(code, `${where}: HTTP ${status} ${said}${hint}`, { cause: error, details });
  }
  return new TroupeError("MODEL_UNKNOWN", `${where}: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
  });
}

/** The server's wait hint: retry-after-ms, or retry-after in seconds or as an HTTP date; undefined when absent. */
function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = headers?.get?.("retry-after-ms");
  if (ms != null && ms.trim() !== "" && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const value = headers?.get?.("retry-after");
  if (value == null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
