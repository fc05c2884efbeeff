import { z } from "zod";

/** Content blocks follow the Anthropic Messages API shape, so any request we build is valid there. */
export const TextBlockSchema = z.object({ type: z.literal("text"), text: z.string() });
export const ToolUseBlockSchema = z.object({
  type: z.literal("tool_use"),
  id: z.string(),
  name: z.string(),
  input: z.record(z.string(), z.unknown()),
});
export const ToolResultBlockSchema = z.object({
  type: z.literal("tool_result"),
  toolUseId: z.string(),
  content: z.string(),
  isError: z.boolean().optional(),
});
export const ContentBlockSchema = z.discriminatedUnion("type", [
  TextBlockSchema,
  ToolUseBlockSchema,
  ToolResultBlockSchema,
]);
export const ChatMessageSchema = z.object({
  role: z.enum(["user", "assistant"]),
  content: z.array(ContentBlockSchema),
});

export type TextBlock = z.infer<typeof TextBlockSchema>;
export type ToolUseBlock = z.infer<typeof ToolUseBlockSchema>;
export type ToolResultBlock = z.infer<typeof ToolResultBlockSchema>;
export type ContentBlock = z.infer<typeof ContentBlockSchema>;
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

/** A user message of plain text. */
export function userText(text: string): ChatMessage {
  return { role: "user", content: [{ type: "text", text }] };
}

/**
 * Appends blocks as the user, merging into a trailing user message so roles keep alternating
 * (the Messages API needs tool results right after the assistant turn that asked for them).
 */
export function appendUser(messages: readonly ChatMessage[], blocks: ContentBlock[]): ChatMessage[] {
  if (blocks.length === 0) return [...messages];
  const last = messages[messages.length - 1];
  if (last?.role === "user") {
    // tool_result blocks must come first in a user message
    const merged = [...last.content, ...blocks].sort((a, b) => rank(a) - rank(b));
    return [...messages.slice(0, -1), { role: "user", content: merged }];
  }
  return [...messages, { role: "user", content: blocks }];
}

function rank(block: ContentBlock): number {
  return block.type === "tool_result" ? 0 : 1;
}

/** The text of a message's text blocks, joined. */
export function textOf(message: ChatMessage | undefined): string {
  if (!message) return "";
  return message.content
    .filter((b): b is TextBlock => b.type === "text")
    .map((b) => b.text)
    .join("\n")
    .trim();
}

/** Tool calls asked for by an assistant message. */
export function toolUsesOf(message: ChatMessage | undefined): ToolUseBlock[] {
  if (!message) return [];
  return message.content.filter((b): b is ToolUseBlock => b.type === "tool_use");
}

/** Tool-use ids in a transcript that no tool_result answers yet. */
export function unansweredToolUses(messages: readonly ChatMessage[]): ToolUseBlock[] {
  const answered = new Set<string>();
  for (const m of messages) for (const b of m.content) if (b.type === "tool_result") answered.add(b.toolUseId);
  return messages.flatMap((m) => toolUsesOf(m)).filter((u) => !answered.has(u.id));
}

/**
 * Answers every tool call left open (a run that failed or was stopped mid-delegation) so the
 * transcript can continue as a valid conversation.
 */
export function closeDangling(
  messages: readonly ChatMessage[],
  note = "not completed: the run ended before this call returned",
): ChatMessage[] {
  const open = unansweredToolUses(messages);
  if (!open.length) return [...messages];
  return appendUser(
    messages,
    open.map((u) => ({ type: "tool_result" as const, toolUseId: u.id, content: note, isError: true })),
  );
}
