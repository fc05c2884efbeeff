import type { ChatMessage, ModelRequest } from "@troupe/core";

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const TOOL_USE_ID = /^[a-zA-Z0-9_-]+$/;
const OTHER_BLOCK_TYPES = new Set(["image", "document", "search_result", "thinking", "redacted_thinking"]);

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

/**
 * Checks a Messages API request body against the rules the real API enforces and returns one line
 * per problem (empty when valid): model and max_tokens, alternating roles starting with the user,
 * no empty content or text, tool_use / tool_result pairing, tool names and schemas.
 *
 * @example
 * const problems = validateMessagesRequest(await request.json());
 * if (problems.length) return HttpResponse.json({ error: problems.join("; ") }, { status: 400 });
 */
export function validateMessagesRequest(body: unknown): string[] {
  if (!isObject(body)) return ["body: must be a JSON object"];
  const problems: string[] = [];
  if (typeof body.model !== "string" || body.model === "") problems.push("model: required, a non-empty string");
  if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1)
    problems.push(`max_tokens: required, a positive integer, got ${show(body.max_tokens)}`);
  if (body.stream !== undefined && typeof body.stream !== "boolean") problems.push("stream: must be a boolean");
  checkSystem(body.system, problems);
  const toolNames = checkTools(body.tools, problems);
  checkToolChoice(body.tool_choice, toolNames, problems);
  checkMessages(body.messages, problems);
  return problems;
}

/**
 * Applies {@link validateMessagesRequest} to a Troupe `ModelRequest` (as a `ModelClient` receives it,
 * e.g. from `ScriptedModel.calls`) and throws an Error listing every problem.
 *
 * @example
 * model.calls.forEach(assertValidTranscript); // after running a team on a ScriptedModel
 */
export function assertValidTranscript(request: ModelRequest): void {
  const problems = validateMessagesRequest(toMessagesBody(request));
  if (problems.length) {
    throw new Error(`invalid Messages API request from agent ${request.agent}:\n- ${problems.join("\n- ")}`);
  }
}

/** The Messages API body Troupe's Anthropic client sends for a ModelRequest. */
function toMessagesBody(request: ModelRequest): Json {
  return {
    model: "troupe-transcript",
    max_tokens: request.maxTokens ?? 4096,
    ...(request.system ? { system: request.system } : {}),
    messages: request.messages.map((m: ChatMessage) => ({
      role: m.role,
      content: m.content.map((b) =>
        b.type === "tool_result"
          ? {
              type: "tool_result",
              tool_use_id: b.toolUseId,
              content: b.content,
              ...(b.isError ? { is_error: true } : {}),
            }
          : b,
      ),
    })),
    ...(request.tools.length
      ? {
          tools: request.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema })),
          tool_choice: { type: request.toolChoice ?? "auto" },
        }
      : {}),
  };
}

function checkSystem(system: unknown, problems: string[]): void {
  if (system === undefined || typeof system === "string") return;
  if (!Array.isArray(system)) return void problems.push("system: must be a string or an array of text blocks");
  system.forEach((block, i) => {
    if (!isObject(block) || block.type !== "text") problems.push(`system[${i}]: must be a text block`);
    else checkText(block.text, `system[${i}]`, problems);
  });
}

function checkTools(tools: unknown, problems: string[]): Set<string> | undefined {
  if (tools === undefined) return undefined;
  if (!Array.isArray(tools)) {
    problems.push("tools: must be an array");
    return undefined;
  }
  const names = new Set<string>();
  tools.forEach((tool, i) => {
    const at = `tools[${i}]`;
    if (!isObject(tool)) return void problems.push(`${at}: must be an object`);
    if (typeof tool.name !== "string" || !TOOL_NAME.test(tool.name))
      problems.push(`${at}.name: ${show(tool.name)} must match ^[a-zA-Z0-9_-]{1,64}$`);
    else if (names.has(tool.name))
      problems.push(`${at}.name: "${tool.name}" is defined twice; tool names must be unique`);
    else names.add(tool.name);
    if (tool.description !== undefined && typeof tool.description !== "string")
      problems.push(`${at}.description: must be a string`);
    if (!isObject(tool.input_schema) || tool.input_schema.type !== "object")
      problems.push(`${at}.input_schema: must be a JSON Schema with type "object"`);
  });
  return names;
}

function checkToolChoice(choice: unknown, toolNames: Set<string> | undefined, problems: string[]): void {
  if (choice === undefined) return;
  if (!isObject(choice) || !["auto", "any", "tool", "none"].includes(choice.type as string)) {
    return void problems.push(`tool_choice: type must be auto, any, tool or none, got ${show(choice)}`);
  }
  if (!toolNames && choice.type !== "none") problems.push("tool_choice: may only be given together with tools");
  if (choice.type === "tool" && !toolNames?.has(choice.name as string))
    problems.push(`tool_choice.name: ${show(choice.name)} is not one of the tools`);
}

function checkMessages(messages: unknown, problems: string[]): void {
  if (!Array.isArray(messages) || messages.length === 0)
    return void problems.push("messages: required, at least one message");
  const toolUseIds = new Set<string>();
  messages.forEach((message: unknown, i) => {
    const at = `messages[${i}]`;
    if (!isObject(message)) return void problems.push(`${at}: must be an object`);
    const { role } = message;
    if (role !== "user" && role !== "assistant")
      problems.push(`${at}.role: must be "user" or "assistant", got ${show(role)}`);
    if (i === 0 && role !== "user") problems.push(`${at}: the first message must have role "user"`);
    const before = messages[i - 1] as unknown;
    if (i > 0 && isObject(before) && before.role === role)
      problems.push(`${at}: two ${String(role)} messages in a row; roles must alternate`);
    const blocks = blocksOf(message.content);
    if (!blocks) return void problems.push(`${at}.content: must be a string or an array of content blocks`);
    if (blocks.length === 0) problems.push(`${at}.content: must not be empty`);
    let seenOther = false;
    blocks.forEach((block, j) => {
      const where = `${at}.content[${j}]`;
      if (!isObject(block) || typeof block.type !== "string")
        return void problems.push(`${where}: must be a content block with a type`);
      if (block.type === "tool_result" && seenOther)
        problems.push(`${where}: tool_result blocks must come before any other content in the message`);
      if (block.type !== "tool_result") seenOther = true;
      checkBlock(block, where, role, toolUseIds, problems);
    });
    if (i === messages.length - 1 && role === "assistant") {
      const last = blocks.at(-1);
      if (isObject(last) && last.type === "text" && typeof last.text === "string" && /\s$/.test(last.text)) {
        problems.push(`${at}: a final assistant message cannot end with trailing whitespace`);
      }
    }
  });
  checkPairing(messages, problems);
}

function checkBlock(block: Json, at: string, role: unknown, toolUseIds: Set<string>, problems: string[]): void {
  if (block.type === "text") return checkText(block.text, at, problems);
  if (block.type === "tool_use") {
    if (role !== "assistant") problems.push(`${at}: tool_use blocks belong in assistant messages`);
    if (typeof block.id !== "string" || !TOOL_USE_ID.test(block.id))
      problems.push(`${at}.id: ${show(block.id)} must match ^[a-zA-Z0-9_-]+$`);
    else if (toolUseIds.has(block.id))
      problems.push(`${at}.id: tool_use id "${block.id}" is used twice; ids must be unique`);
    else toolUseIds.add(block.id);
    if (typeof block.name !== "string" || block.name === "") problems.push(`${at}.name: required`);
    if (!isObject(block.input)) problems.push(`${at}.input: must be an object`);
    return;
  }
  if (block.type === "tool_result") {
    if (role !== "user") problems.push(`${at}: tool_result blocks belong in user messages`);
    if (typeof block.tool_use_id !== "string") problems.push(`${at}.tool_use_id: required`);
    if (block.is_error !== undefined && typeof block.is_error !== "boolean")
      problems.push(`${at}.is_error: must be a boolean`);
    const content = block.content;
    if (Array.isArray(content)) {
      content.forEach((inner: unknown, k) => {
        if (isObject(inner) && inner.type === "text") checkText(inner.text, `${at}.content[${k}]`, problems);
        else if (!isObject(inner) || !OTHER_BLOCK_TYPES.has(inner.type as string))
          problems.push(`${at}.content[${k}]: must be a text, image, document or search_result block`);
      });
    } else if (content !== undefined && typeof content !== "string")
      problems.push(`${at}.content: must be a string or an array of blocks`);
    return;
  }
  if (!OTHER_BLOCK_TYPES.has(block.type as string)) problems.push(`${at}: unknown block type ${show(block.type)}`);
}

function checkText(text: unknown, at: string, problems: string[]): void {
  if (typeof text !== "string") problems.push(`${at}.text: must be a string`);
  else if (text.trim() === "") problems.push(`${at}: text content blocks must contain non-whitespace text`);
}

/** Every tool_use is answered by the next user message; every tool_result answers the assistant turn just before it. */
function checkPairing(messages: unknown[], problems: string[]): void {
  messages.forEach((message, i) => {
    if (!isObject(message)) return;
    const asked = idsOf(message, "tool_use", "id");
    const next = messages[i + 1];
    if (message.role === "assistant" && asked.length && isObject(next)) {
      const answered = new Set(idsOf(next, "tool_result", "tool_use_id"));
      const open = asked.filter((id) => !answered.has(id));
      if (open.length)
        problems.push(
          `messages[${i + 1}]: tool_use ids from messages[${i}] have no tool_result in this message: ${open.join(", ")}`,
        );
    }
    if (message.role !== "user") return;
    const before = messages[i - 1];
    const expected = new Set(isObject(before) && before.role === "assistant" ? idsOf(before, "tool_use", "id") : []);
    const seen = new Set<string>();
    for (const id of idsOf(message, "tool_result", "tool_use_id")) {
      if (!expected.has(id))
        problems.push(
          `messages[${i}]: tool_result for "${id}" answers no tool_use of the assistant message just before it`,
        );
      else if (seen.has(id)) problems.push(`messages[${i}]: tool_use id "${id}" is answered twice`);
      seen.add(id);
    }
  });
}

function idsOf(message: Json, type: "tool_use" | "tool_result", key: "id" | "tool_use_id"): string[] {
  return (blocksOf(message.content) ?? [])
    .filter((b): b is Json => isObject(b) && b.type === type && typeof b[key] === "string")
    .map((b) => b[key] as string);
}

function blocksOf(content: unknown): unknown[] | undefined {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  return Array.isArray(content) ? content : undefined;
}
