import { z } from "zod";
import type { ChatMessage, ContentBlock } from "./messages.js";
import type { Usage } from "./usage.js";

/** A tool as a model sees it: a name, what it does, and a JSON Schema for its input. */
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export type ModelDelta =
  { type: "text"; text: string } | { type: "tool_input"; toolUseId: string; name: string; partialJson: string };

export interface ModelRequest {
  /** Which agent is asking; scripted models and logs use it. */
  agent: string;
  system: string;
  messages: ChatMessage[];
  tools: ToolSpec[];
  /** "any" forces a tool call. */
  toolChoice?: "auto" | "any";
  maxTokens?: number;
  signal?: AbortSignal;
  /** When given, the client streams and reports deltas as they arrive. */
  onDelta?: (delta: ModelDelta) => void;
}

export const StopReasonSchema = z.enum([
  "end_turn",
  "tool_use",
  "max_tokens",
  "stop_sequence",
  "refusal",
  "pause_turn",
]);

export interface ModelResponse {
  content: ContentBlock[];
  stopReason: z.infer<typeof StopReasonSchema>;
  usage: Omit<Usage, "modelCalls">;
  model: string;
}

/**
 * The small interface every model speaks: messages and tools in; an assistant message, tool calls,
 * usage and a stop reason out. Implementations: `anthropic()`, `offlineModel()`, `ScriptedModel`.
 */
export interface ModelClient {
  /** A stable id such as "anthropic:claude-sonnet-4-5" or "offline". */
  readonly id: string;
  generate(request: ModelRequest): Promise<ModelResponse>;
}
