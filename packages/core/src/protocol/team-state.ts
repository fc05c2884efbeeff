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
  /** Always "agent" (absent in checkpoints of earlier versions). */
  kind?: "agent";
  /** The graph node the agent ran in (absent in checkpoints of earlier versions). */
  node?: string;
}

/**
 * A graph node that is not an agent turn: a `tool:` or `step:` node that ran, or an agent node
 * whose call failed (it left no turn). The run result lists them with the agent turns in `nodes`.
 */
export interface NodeStep {
  userTurn: number;
  kind: "agent" | "tool" | "step";
  node: string;
  /** The agent's, tool's or step's name. */
  name: string;
  /** Agent turns of the run completed before this node started (orders it among them). */
  afterTurn: number;
  input?: unknown;
  output?: unknown;
  error?: ErrorInfo;
  durationMs?: number;
}

/** Every node of a run in the order they ran: agent turns and the other nodes, each with its kind. */
export type RanNode = (Step & { kind: "agent"; node: string }) | NodeStep;

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
  /** Tool and step nodes that ran, and agent nodes that failed (see NodeStep). */
  nodeSteps: Annotation<NodeStep[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
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

/** Every node of the latest user turn, agent turns and other nodes together, in the order they ran. */
export function nodesOfLatestTurn(
  state: Pick<TeamStateValue, "steps" | "userTurn"> & { nodeSteps?: NodeStep[] },
): RanNode[] {
  const agents: RanNode[] = stepsOfLatestTurn(state).map((s) => ({ ...s, kind: "agent", node: s.node ?? s.agent }));
  const others = (state.nodeSteps ?? []).filter((s) => s.userTurn === state.userTurn);
  // a node that is not an agent turn goes after the turns that completed before it started
  const order = (n: RanNode) => (n.kind === "agent" && !("afterTurn" in n) ? n.turn : (n as NodeStep).afterTurn + 0.5);
  return [...agents, ...others]
    .map((n, i) => ({ n, i }))
    .sort((a, b) => order(a.n) - order(b.n) || a.i - b.i)
    .map(({ n }) => n);
}

export function usageOf(steps: readonly Step[]): Usage {
  return steps.reduce((sum, s) => addUsage(sum, s.usage), emptyUsage());
}
