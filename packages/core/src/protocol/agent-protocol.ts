import { z } from "zod";
import { ChatMessageSchema } from "./messages.js";
import { HostResilienceSchema } from "./resilience-policy.js";
import { UsageSchema } from "./usage.js";

/**
 * Coordination a pattern offers an agent for one request. Each becomes tools the model can call:
 * `route` -> `delegate({ agent, task })`, `finish` -> `finish({ answer })`,
 * `handoff` -> `transfer_to_<agent>({ task, reason, input? })`.
 */
export const TargetSchema = z.object({ name: z.string(), description: z.string() });
export const DirectiveOfferSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("route"), targets: z.array(TargetSchema).min(1) }),
  z.object({ kind: z.literal("finish") }),
  z.object({
    kind: z.literal("handoff"),
    /** The only agents this one may transfer to; a transfer to any other is refused as a tool error. */
    targets: z.array(TargetSchema.extend({ inputSchema: z.record(z.string(), z.unknown()).optional() })),
  }),
]);
export type DirectiveOffer = z.infer<typeof DirectiveOfferSchema>;

/** How an agent's answer steers the team. */
export const DirectiveSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("finish") }),
  z.object({ type: z.literal("route"), to: z.string(), task: z.string(), toolUseId: z.string() }),
  z.object({
    type: z.literal("handoff"),
    to: z.string(),
    task: z.string(),
    reason: z.string(),
    input: z.unknown().optional(),
    toolUseId: z.string(),
  }),
]);
export type Directive = z.infer<typeof DirectiveSchema>;

/** A completed tool call whose tool can undo it: the saga log keeps these, in order. */
export const SagaStepSchema = z.object({
  key: z.string(),
  agent: z.string(),
  tool: z.string(),
  input: z.unknown(),
  output: z.unknown(),
  /** Made by a graph `tool:` node (then `agent` is the node): the team undoes it with its own tool, not an agent's host. */
  local: z.boolean().optional(),
  /**
   * Journaled before the call ran and never confirmed (its process died, or it timed out): the
   * compensation first settles it by its idempotency key (the recorded result, else the tool again
   * with the same key), then undoes it.
   */
  inDoubt: z.boolean().optional(),
});
export type SagaStep = z.infer<typeof SagaStepSchema>;

/** A tool call that waits for a person's decision before it runs. */
export const ApprovalRequestSchema = z.object({
  /** The tool call's idempotency key; the decision is stored under it. */
  key: z.string(),
  agent: z.string(),
  tool: z.string(),
  input: z.unknown(),
  reason: z.string(),
  /** Who may decide, in escalation order. */
  approvers: z.array(z.string()).min(1),
  /** How long each approver has before the request escalates, ms. */
  slaMs: z.number().int().positive(),
});
export type ApprovalRequest = z.infer<typeof ApprovalRequestSchema>;

/** One request to an agent; crosses the bus, so it is plain data validated at both ends. */
export const AgentRequestSchema = z.object({
  runId: z.string(),
  threadId: z.string(),
  agent: z.string(),
  /** New user text for the agent; may be empty when continuing with tool results. */
  task: z.string(),
  /** The agent's conversation so far. */
  messages: z.array(ChatMessageSchema),
  /** Typed input for agents with an input schema. */
  input: z.unknown().optional(),
  /** Extra system context from the pattern (who the teammates are, what the tools mean). */
  context: z.string().default(""),
  offers: z.array(DirectiveOfferSchema).default([]),
  /** Epoch milliseconds after which the caller no longer waits. */
  deadline: z.number().optional(),
  idempotencyKey: z.string(),
  /** The thread's user turn this request belongs to (a live replay finds recorded tool calls by it). */
  userTurn: z.int().min(0).optional(),
  /** Set in a live replay: tools with side effects answer from the records of `recordsThreadId` unless `liveTools`. */
  replay: z.object({ recordsThreadId: z.string(), liveTools: z.boolean() }).optional(),
  /** Ask the agent to stream model deltas as events. */
  stream: z.boolean().default(false),
  trace: z.record(z.string(), z.string()).default({}),
  /**
   * The caller's tool and model policy (its team's `resilience`, agent policies left out): the host
   * retries tools, opens breakers and falls back models by it, wherever the agent is served.
   */
  resilience: HostResilienceSchema.optional(),
});
export type AgentRequest = z.input<typeof AgentRequestSchema>;
export type ParsedAgentRequest = z.output<typeof AgentRequestSchema>;

export const AgentResultSchema = z.object({
  agent: z.string(),
  /** Text answer, or the validated structured output when the agent has an output schema. */
  output: z.unknown(),
  /** The agent's conversation after this request (a pending directive's tool_use is left unanswered). */
  messages: z.array(ChatMessageSchema),
  usage: UsageSchema,
  directive: DirectiveSchema,
  /** Compensable tool calls completed in this request, in order. */
  saga: z.array(SagaStepSchema).default([]),
  /** Set when a tool call needs approval first: the agent stopped before running it. */
  approval: ApprovalRequestSchema.optional(),
});
export type AgentResult = z.output<typeof AgentResultSchema>;

/** Service name an agent answers on, on any bus. */
export const agentService = (name: string): string => `agent.${name}.invoke`;
/** Service name an agent's host runs compensations on. */
export const compensateService = (name: string): string => `agent.${name}.compensate`;
