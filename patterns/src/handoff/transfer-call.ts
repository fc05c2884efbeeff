import {
  appendUser,
  closeDangling,
  TRANSFER_PREFIX,
  type AgentCall,
  type DirectiveOffer,
  type TeamStateValue,
  type ToolUseBlock,
} from "@troupe/core";
import { answerOpenCalls, appendMessages } from "../pattern-helpers.js";

/** A transfer on its way to its target (kept in `scratch.transfer`). */
export interface PendingTransfer {
  kind: "transfer";
  from: string;
  to: string;
  task: string;
  reason: string;
  input?: unknown;
  toolUseId: string;
}

/** A transfer the pattern refused (its typed input does not fit the target): goes back to the sender as a tool error. */
export interface RefusedTransfer {
  kind: "refused";
  agent: string;
  to: string;
  toolUseId: string;
  message: string;
}

export type TransferScratch = PendingTransfer | RefusedTransfer;

/**
 * How much of the thread conversation (`state.messages`) each agent's transcript already holds.
 *
 * @example
 * const unseen = state.messages.slice(seenOf(state)[agent] ?? 0);
 */
export function seenOf(state: TeamStateValue): Record<string, number> {
  return (state.scratch.seen as Record<string, number> | undefined) ?? {};
}

/**
 * The transfer waiting in this run, if any (a new user turn starts clean).
 *
 * @example
 * const pending = pendingOf(state); // { kind: "transfer", from: "triage", to: "billing", ... }
 */
export function pendingOf(state: TeamStateValue): TransferScratch | undefined {
  if (state.turn === 0) return undefined;
  return (state.scratch.transfer as TransferScratch | null | undefined) ?? undefined;
}

/**
 * What a receiving agent reads as its task: the sender's task and reason.
 *
 * @example
 * payloadText({ task: "Refund A1", reason: "charged twice" }); // "Refund A1\n\nReason for the transfer: charged twice"
 */
export function payloadText(transfer: Pick<PendingTransfer, "task" | "reason">): string {
  const reason = transfer.reason.trim();
  return reason ? `${transfer.task}\n\nReason for the transfer: ${reason}` : transfer.task;
}

/**
 * The request for `agent` when it takes (or gets back) the conversation: its own transcript with
 * its open transfer calls answered, then the thread conversation it has not seen yet, then its task
 * (the user's new message on a new turn, the transfer payload when it was handed the conversation).
 *
 * @example
 * ctx.agentNode("billing", { prepare: (state) => transferCall(state, "billing", offers, context), commit });
 */
export function transferCall(
  state: TeamStateValue,
  agent: string,
  offers: DirectiveOffer[],
  context: (from?: string) => string,
): AgentCall {
  const transcript = state.transcripts[agent] ?? [];
  const pending = pendingOf(state);
  if (pending?.kind === "refused" && pending.agent === agent) {
    const refusal = {
      type: "tool_result" as const,
      toolUseId: pending.toolUseId,
      content: pending.message,
      isError: true,
    };
    return { task: "", messages: appendUser(transcript, [refusal]), offers, context: context() };
  }
  const transfer = pending?.kind === "transfer" && pending.to === agent ? pending : undefined;
  const answered = closeDangling(answerOpenCalls(transcript, (use) => transferNote(use, transfer?.from)));
  const seen = seenOf(state)[agent] ?? 0;
  if (transfer) {
    return {
      task: payloadText(transfer),
      messages: appendMessages(answered, state.messages.slice(seen)),
      ...(transfer.input === undefined ? {} : { input: transfer.input }),
      offers,
      context: context(transfer.from),
    };
  }
  // a new user turn: the last thread message is the user's new text, sent as the task
  return {
    task: state.input,
    messages: appendMessages(answered, state.messages.slice(seen, -1)),
    offers,
    context: context(),
  };
}

/** The result an agent's own open transfer call gets when the conversation comes back to it. */
function transferNote(use: ToolUseBlock, returnedFrom: string | undefined): string | undefined {
  if (!use.name.startsWith(TRANSFER_PREFIX)) return undefined;
  const to = use.name.slice(TRANSFER_PREFIX.length);
  return to === returnedFrom
    ? `Transferred to ${to}; ${to} handed the conversation back to you (see below).`
    : `Transferred to ${to}; ${to} took over the conversation.`;
}
