import {
  appendUser,
  unansweredToolUses,
  type ChatMessage,
  type TeamSpec,
  type TeamStateValue,
  type ToolUseBlock,
} from "@troupe/core";
import { FINISH_TOOL, stepsOfLatestTurn, usageOf, type AgentResult } from "@troupe/core";
import type { z } from "zod";
import type { Agent, AgentSpecSchema } from "@troupe/core";

/** Name and description of each agent, as directive tools show them to a model. */
export function targetsOf(spec: TeamSpec, names: readonly string[]): { name: string; description: string }[] {
  return names.map((name) => ({ name, description: spec.agents[name]?.description ?? name }));
}

/** An agent's output as the text another agent reads. */
export function resultText(output: unknown): string {
  if (typeof output === "string") return output || "(empty answer)";
  return JSON.stringify(output ?? null);
}

/**
 * Appends messages to a conversation, merging each into the one before it when both have the same
 * role, so roles keep alternating as the Messages API requires (tool results stay first in a
 * user message).
 *
 * @example
 * appendMessages([userText("hi")], [userText("anyone there?")]); // one user message with both texts
 */
export function appendMessages(base: readonly ChatMessage[], more: readonly ChatMessage[]): ChatMessage[] {
  let out = [...base];
  for (const message of more) {
    const last = out.at(-1);
    if (message.role === "user") out = appendUser(out, message.content);
    else if (last?.role === "assistant")
      out = [...out.slice(0, -1), { role: "assistant", content: [...last.content, ...message.content] }];
    else out.push(message);
  }
  return out;
}

/**
 * The thread's conversation (the user's messages and the team's answers) from message `from` on,
 * with consecutive same-role messages merged (a failed run leaves two user messages in a row).
 *
 * @example
 * const call = { task: "", messages: conversationOf(state) };
 */
export function conversationOf(state: Pick<TeamStateValue, "messages">, from = 0): ChatMessage[] {
  return appendMessages([], state.messages.slice(from));
}

/**
 * Answers tool calls of a transcript that have no result yet with the note `noteFor` gives each
 * (a call it gives no note stays open), so the transcript can continue as a valid conversation.
 *
 * @example
 * closeDangling(answerOpenCalls(transcript, (use) => (use.name === "transfer_to_billing" ? "billing took over" : undefined)));
 */
export function answerOpenCalls(
  messages: readonly ChatMessage[],
  noteFor: (use: ToolUseBlock) => string | undefined,
): ChatMessage[] {
  const results = unansweredToolUses(messages).flatMap((use) => {
    const note = noteFor(use);
    return note === undefined ? [] : [{ type: "tool_result" as const, toolUseId: use.id, content: note }];
  });
  return appendUser(messages, results);
}

/**
 * True when the agent ended its turn with a `finish` tool call, rather than a plain answer (both
 * come back as a "finish" directive).
 *
 * @example
 * if (calledFinish(result)) return finishOutcome(result.output);
 */
export function calledFinish(result: Pick<AgentResult, "messages">): boolean {
  const last = result.messages.findLast((m) => m.role === "assistant");
  return last?.content.some((b) => b.type === "tool_use" && b.name === FINISH_TOOL) ?? false;
}

/**
 * Tokens (input + output) the current run has used, including a result not yet in state.
 *
 * @example
 * if (runTokens(state, result) >= budget) return finishOutcome(result.output);
 */
export function runTokens(
  state: Pick<TeamStateValue, "steps" | "userTurn">,
  result?: Pick<AgentResult, "usage">,
): number {
  const usage = usageOf(stepsOfLatestTurn(state));
  return usage.inputTokens + usage.outputTokens + (result ? result.usage.inputTokens + result.usage.outputTokens : 0);
}

/**
 * An agent defined in code as a spec entry (tools by name; a model only when given by name), the
 * way the TypeScript builders write it into a team spec.
 *
 * @example
 * const spec = { name: "t", pattern: "supervisor", supervisor: "lead", agents: { lead: agentSpecOf(lead), writer: agentSpecOf(writer) } };
 */
export function agentSpecOf(agent: Agent): AgentSpecInput {
  return {
    description: agent.description,
    instructions: agent.instructions,
    tools: agent.tools.map((t) => t.name),
    ...(typeof agent.model === "string" ? { model: agent.model } : {}),
    maxSteps: agent.maxSteps,
  };
}

/** An agent entry of a spec as written (before defaults). */
export type AgentSpecInput = z.input<typeof AgentSpecSchema>;

/** Agents the spec names as a fallback of another agent: reachable through resilience, not routing. */
export function fallbackAgents(spec: TeamSpec): Set<string> {
  const policies = (spec.resilience as { agents?: Record<string, { fallback?: string }> } | undefined)?.agents ?? {};
  return new Set(Object.values(policies).flatMap((p) => (p.fallback ? [p.fallback] : [])));
}
