import { z } from "zod";
import { ErrorCodes, type ErrorCode } from "../errors.js";
import { AgentResultSchema, ApprovalRequestSchema, SagaStepSchema } from "../protocol/agent-protocol.js";
import { ContentBlockSchema } from "../protocol/messages.js";
import { StopReasonSchema } from "../protocol/model-client.js";
import { UsageSchema } from "../protocol/usage.js";
import { RunStateSchema } from "../protocol/team-state.js";
import type { DeadLetterKind, TroupeEvent, TroupeEventType } from "../protocol/events.js";

// The shapes of what Troupe keeps beside the checkpoints. They describe data already on disk in
// existing stores, so a change here must still accept what older versions wrote.

/** A model's answer, recorded under `model:<idempotency key>:<step>` so resume and replay never ask twice. */
export const ModelResponseSchema = z.object({
  content: z.array(ContentBlockSchema),
  stopReason: StopReasonSchema,
  usage: UsageSchema.omit({ modelCalls: true }),
  model: z.string(),
});

/** A tool's (or a code node's) result, recorded under `tool:`, `toolcall:` or `node:` keys. */
export const OutputRecordSchema = z.object({ output: z.unknown() });
export type OutputRecord = z.infer<typeof OutputRecordSchema>;

/** A person's answer to an approval request, recorded under `approval:<idempotency key>`. */
export const ApprovalDecisionSchema = z.object({
  approved: z.boolean(),
  by: z.string(),
  comment: z.string().optional(),
});
export type RecordedDecision = z.infer<typeof ApprovalDecisionSchema>;

/** An agent's answer, recorded under `agent:<hash>` for replay. */
export const RecordedAgentResultSchema = AgentResultSchema;

const errorCodes = Object.keys(ErrorCodes) as [ErrorCode, ...ErrorCode[]];

/** Plain-data form of a TroupeError, as dead letters keep it. */
export const ErrorInfoSchema = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  retryable: z.boolean(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/** A person's decision awaited by a run, with its deadline and escalation path (doc kind `approval`). */
export const ApprovalSchema = ApprovalRequestSchema.extend({
  id: z.string(),
  threadId: z.string(),
  runId: z.string(),
  /** Index into `approvers` of who must decide now. */
  level: z.number().int().nonnegative(),
  assignee: z.string(),
  /** When the current assignee's time runs out (ISO). */
  deadline: z.string(),
  status: z.enum(["pending", "approved", "rejected", "cancelled"]),
  decidedBy: z.string().optional(),
  comment: z.string().optional(),
  history: z.array(z.object({ at: z.string(), what: z.string() })),
});
export type Approval = z.infer<typeof ApprovalSchema>;

/** Work that exhausted its retries, kept with its error and input so it can be redriven (doc kind `dead_letter`). */
export const DeadLetterSchema = z.object({
  id: z.string(),
  kind: z.enum(["run", "agent", "tool", "compensation"] as const satisfies readonly DeadLetterKind[]),
  threadId: z.string(),
  runId: z.string(),
  /** The failed agent, or the tool whose compensation failed. */
  subject: z.string(),
  error: ErrorInfoSchema,
  input: z.unknown(),
  status: z.enum(["open", "redriven"]),
  createdAt: z.string(),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

/** A compensable tool call in the saga journal (doc kind `saga_step`). */
export const JournaledStepSchema = SagaStepSchema;

/** The user turn a run was started with. */
export const TurnInputSchema = z.object({ input: z.string(), userTurn: z.number().int().nonnegative() });

/** An error as a lifecycle keeps it: an unknown code (from a newer version) reads as INTERNAL. */
const StoredErrorSchema = z.object({
  code: z.string().transform((code): ErrorCode => (code in ErrorCodes ? (code as ErrorCode) : "INTERNAL")),
  message: z.string(),
  retryable: z.boolean(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/**
 * A thread's run lifecycle (doc kind `run_lifecycle`, id = thread id): the run machine's persisted
 * snapshot, restored on resume, plus its state and run id at the top for `troupe status` and other
 * processes. Documents written before the machine decided have a snapshot whose context lacks
 * stop/error/fault (or no snapshot at all): runtime/run-lifecycle.ts fills them in on read.
 */
export const RunLifecycleDocSchema = z.object({
  state: RunStateSchema,
  runId: z.string().catch(""),
  snapshot: z
    .looseObject({
      value: z.unknown().optional(),
      context: z
        .object({
          runId: z.string(),
          outcome: z.enum(["failed", "cancelled"]),
          turn: TurnInputSchema.nullable(),
          stop: z.enum(["cancelled", "timed_out"]).nullable(),
          error: StoredErrorSchema.nullable(),
          fault: StoredErrorSchema.nullable(),
        })
        .partial()
        .optional(),
    })
    .optional(),
});
export type RunLifecycleDoc = z.infer<typeof RunLifecycleDocSchema>;

/** A cross-process control request a running process picks up (doc kind `run_control`, id = thread id). */
export const RunControlDocSchema = z.object({ action: z.enum(["pause", "cancel"]) });
export type RunControlDoc = z.infer<typeof RunControlDocSchema>;

/**
 * Per submitted request (doc kind `run_request`, id = request id), kept by the NATS orchestrator:
 * whether it began, from which user turn, and whether it was handed off.
 */
export const RunRequestDocSchema = z.object({
  state: z.enum(["started", "done"]),
  userTurnBefore: z.number().int().nonnegative(),
  by: z.string(),
  handoff: z.boolean(),
  outcome: RunStateSchema.optional(),
});
export type RunRequestDoc = z.infer<typeof RunRequestDocSchema>;

// every event type: the compile-time check below fails when protocol/events.ts gains one not listed
const EVENT_TYPES = [
  "run.started",
  "agent.started",
  "model.delta",
  "tool.called",
  "agent.completed",
  "handoff",
  "checkpoint.saved",
  "retry",
  "breaker.opened",
  "breaker.half_open",
  "breaker.closed",
  "fallback",
  "saga.compensating",
  "saga.compensated",
  "saga.failed",
  "dlq.added",
  "run.paused",
  "run.resumed",
  "run.cancelled",
  "run.interrupted",
  "approval.requested",
  "approval.escalated",
  "approval.decided",
  "run.completed",
  "run.failed",
] as const satisfies readonly TroupeEventType[];
type MissingEventType = Exclude<TroupeEventType, (typeof EVENT_TYPES)[number]>;
const allEventTypesListed: MissingEventType extends never ? true : MissingEventType = true;
void allEventTypesListed;

/**
 * A run's event as the event log keeps it. The envelope (type, run, thread, time) is checked; the
 * rest of each event is kept as the run emitted it (newer versions only add fields).
 */
export const StoredTroupeEventSchema: z.ZodType<TroupeEvent, unknown> = z
  .object({ type: z.enum(EVENT_TYPES), runId: z.string(), threadId: z.string(), at: z.string() })
  .passthrough()
  .transform((event) => event as TroupeEvent);

/** One row of a thread's event log: the event and its place in the thread's log. */
export interface LoggedEvent {
  seq: number;
  threadId: string;
  runId: string;
  event: TroupeEvent;
}

export const StoredEventSchema: z.ZodType<LoggedEvent, unknown> = z.object({
  seq: z.number().int().positive(),
  threadId: z.string(),
  runId: z.string(),
  event: StoredTroupeEventSchema,
});
