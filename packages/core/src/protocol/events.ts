import type { ErrorInfo } from "../errors.js";
import type { ModelDelta } from "./model-client.js";
import type { Usage } from "./usage.js";
import type { Directive } from "./agent-protocol.js";

/** The graph node an event happened in (a custom graph's node name; a pattern's node is named after its agent). */
interface InNode {
  node?: string;
}

interface Base {
  runId: string;
  threadId: string;
  /** ISO time the event happened. */
  at: string;
}

/** Everything a run reports while it works, in the order it happens. */
export type TroupeEvent =
  | (Base & { type: "run.started"; input: string | null; mode: "live" | "replay"; from?: string })
  | (Base & InNode & { type: "agent.started"; agent: string; task: string; turn: number })
  | (Base & { type: "model.delta"; agent: string; delta: ModelDelta })
  | (Base &
      InNode & {
        type: "tool.called";
        /** The agent that called the tool, or the graph node for a `tool:` or `step:` node. */
        agent: string;
        tool: string;
        input: unknown;
        output?: unknown;
        error?: ErrorInfo;
        durationMs: number;
        reused?: boolean;
        /** Answered from the recorded run by a live replay; the tool did not run. */ replayed?: boolean;
      })
  | (Base &
      InNode & {
        type: "agent.completed";
        agent: string;
        output: unknown;
        usage: Usage;
        directive: Directive;
        replayed: boolean;
        /** From agent.started to this event, ms. */
        durationMs?: number;
      })
  | (Base & { type: "handoff"; from: string; to: string; task: string; kind: "route" | "handoff" })
  | (Base & { type: "checkpoint.saved"; checkpointId: string; step: number })
  | (Base & {
      type: "retry";
      scope: "agent" | "tool" | "model" | "compensation";
      name: string;
      attempt: number;
      delayMs: number;
      error: ErrorInfo;
    })
  | (Base & {
      type: "breaker.opened" | "breaker.half_open" | "breaker.closed";
      scope: "agent" | "tool" | "model";
      name: string;
    })
  | (Base & { type: "fallback"; scope: "agent" | "model"; from: string; to: string; reason: ErrorInfo })
  | (Base & { type: "saga.compensating"; agent: string; tool: string; key: string })
  | (Base & { type: "saga.compensated"; agent: string; tool: string; key: string })
  | (Base & { type: "saga.failed"; agent: string; tool: string; key: string; error: ErrorInfo })
  | (Base & { type: "dlq.added"; id: string; kind: DeadLetterKind; error: ErrorInfo })
  | (Base & { type: "run.paused" | "run.resumed" | "run.cancelled" | "run.interrupted" })
  | (Base & {
      type: "approval.requested";
      approvalId: string;
      tool: string;
      approver: string;
      deadline: string;
      reason: string;
    })
  | (Base & { type: "approval.escalated"; approvalId: string; from: string; to: string; deadline: string })
  | (Base & { type: "approval.decided"; approvalId: string; approved: boolean; by: string })
  | (Base & { type: "run.completed"; output: unknown; usage: Usage })
  | (Base & { type: "run.failed"; error: ErrorInfo });

/** What failed: a submitted run, an agent call, a graph `tool:` node, or the undo of a saga step. */
export type DeadLetterKind = "run" | "agent" | "tool" | "compensation";

export type TroupeEventType = TroupeEvent["type"];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An event before the runtime stamps it with run, thread and time. */
export type EventBody = DistributiveOmit<TroupeEvent, keyof Base>;

/** Where an agent or node reports events. */
export type EventSink = (event: EventBody) => void;

/** Events after which a run's process stops reporting (until it is resumed). */
export const TERMINAL_EVENTS: ReadonlySet<TroupeEventType> = new Set([
  "run.completed",
  "run.failed",
  "run.paused",
  "run.cancelled",
  "run.interrupted",
]);

/** Topic on the bus that carries one run's events. */
export const runEventsTopic = (runId: string): string => `run.${runId}.events`;
