import { Annotation } from "@langchain/langgraph";
import { z } from "zod";
import type { Directive, SagaStep } from "./agent-protocol.js";
import type { ErrorInfo } from "../errors.js";
import type { ChatMessage } from "./messages.js";
import { addUsage, emptyUsage, type Usage } from "./usage.js";

/** One agent turn, as the run result lists it. */
export interface Step {
  /** Which user message of the thread this belongs to (1-based). */
  userTurn: number;
  /** Agent turn within the run (1-based). */
  turn: number;
  agent: string;
  task: string;
  output: unknown;
  directive: Directive["type"];
  to?: string;
  usage: Usage;
}

/**
 * Where a run stands: the one status model of the run lifecycle, thread status and run results.
 * The graph state's `status` channel holds running/completed/failed; the run machine adds the rest.
 */
export const RunStateSchema = z.enum([
  "created",
  "running",
  "paused",
  "interrupted",
  "compensating",
  "completed",
  "failed",
  "cancelled",
]);
export type RunState = z.infer<typeof RunStateSchema>;

const last = <T>(fallback: () => T) => Annotation<T>({ reducer: (_: T, next: T) => next, default: fallback });

/**
 * The one team state every pattern shares. Conversation-level `messages` hold the user's turns and
 * the team's answers; `transcripts` hold each agent's own conversation; `steps` record who acted.
 */
export const TeamState = Annotation.Root({
  input: last<string>(() => ""),
  userTurn: last<number>(() => 0),
  messages: Annotation<ChatMessage[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  transcripts: Annotation<Record<string, ChatMessage[]>>({ reducer: (a, b) => ({ ...a, ...b }), default: () => ({}) }),
  activeAgent: last<string | null>(() => null),
  outputs: Annotation<Record<string, unknown>>({ reducer: (a, b) => ({ ...a, ...b }), default: () => ({}) }),
  steps: Annotation<Step[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  /** Agent turns in the current run. */
  turn: Annotation<number>({ reducer: (a, b) => (b === 0 ? 0 : a + b), default: () => 0 }),
  /** Thread-total usage; a run's usage is the sum of its steps. */
  usage: Annotation<Usage>({ reducer: addUsage, default: emptyUsage }),
  status: last<RunState>(() => "running"),
  output: last<unknown>(() => null),
  error: last<ErrorInfo | null>(() => null),
  /** Completed compensable tool calls, in order (the saga log). */
  saga: Annotation<SagaStep[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  /** Saga steps already undone (or dead-lettered), by step key. */
  compensations: Annotation<Record<string, "compensated" | "dead_lettered">>({
    reducer: (a, b) => ({ ...a, ...b }),
    default: () => ({}),
  }),
  /** Pattern-specific data (pending delegations, blackboards, ...), merged by key. */
  scratch: Annotation<Record<string, unknown>>({ reducer: (a, b) => ({ ...a, ...b }), default: () => ({}) }),
});

export type TeamStateValue = typeof TeamState.State;
export type TeamStateUpdate = typeof TeamState.Update;

/** Steps of the latest user turn in a state. */
export function stepsOfLatestTurn(state: Pick<TeamStateValue, "steps" | "userTurn">): Step[] {
  return state.steps.filter((s) => s.userTurn === state.userTurn);
}

export function usageOf(steps: readonly Step[]): Usage {
  return steps.reduce((sum, s) => addUsage(sum, s.usage), emptyUsage());
}
