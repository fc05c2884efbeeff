import type { RunnableConfig } from "@langchain/core/runnables";
import { invokeCompensation, type CompensateRequest } from "../bus/agent-client.js";
import { scoped } from "../stores/record-store.js";
import type { Tool } from "../authoring/define-tool.js";
import { undoWithTool } from "../agent/undo-with-tool.js";
import type { Bus } from "../bus/bus.js";
import type { DeadLetters } from "../records/dead-letters.js";
import type { RunnableTeamGraph } from "../graph/define-pattern.js";
import { toTroupeError } from "../errors.js";
import type { EventSink } from "../protocol/events.js";
import type { Resilience } from "../protocol/resilience-policy.js";
import { callPipeline } from "../resilience/call-pipeline.js";
import type { Interceptor } from "../resilience/interceptor.js";
import type { DocStore, RecordStore } from "../stores/record-store.js";
import { pendingSaga } from "../records/saga-journal.js";
import type { TeamStateValue } from "../protocol/team-state.js";

export interface CompensationDeps {
  graph: RunnableTeamGraph;
  /** Undoes one step: through its agent's host, or the team's own tool for a graph tool node's step. */
  undo: UndoStep;
  /** The saga journal (the team's document store). */
  journal?: DocStore;
  resilience: Resilience;
  /** Your interceptors, around each attempt of every compensation call. */
  interceptors?: readonly Interceptor[];
  deadLetters: DeadLetters;
  emit: EventSink;
  runId: string;
  threadId: string;
  /**
   * Set when the thread has no checkpoint for the turn (its process died before the first one was
   * written): the journal alone says what to undo, and progress is kept in the records only.
   */
  uncheckpointedTurn?: number;
}

export interface CompensationSummary {
  compensated: number;
  deadLettered: number;
}

/**
 * Undoes a failed run's completed saga steps in reverse order (agent tool calls through their
 * agent's host, graph tool nodes with the team's own tool), each through its call pipeline
 * (retries under the tool's policy, else the default; your interceptors). Progress is written to the checkpoints after every step, so a crash here resumes where
 * it stopped; a step that keeps failing is dead-lettered and the others still run.
 */
export async function compensate(deps: CompensationDeps): Promise<CompensationSummary> {
  const config: RunnableConfig = { configurable: { thread_id: deps.threadId } };
  const bare = deps.uncheckpointedTurn;
  const state =
    bare === undefined
      ? ((await deps.graph.getState(config)).values as TeamStateValue)
      : { saga: [], compensations: {}, userTurn: bare };
  const mark = async (key: string, outcome: "compensated" | "dead_lettered") => {
    if (bare === undefined) await deps.graph.updateState(config, { compensations: { [key]: outcome } });
  };
  const summary: CompensationSummary = { compensated: 0, deadLettered: 0 };
  for (const step of await pendingSaga(deps.journal, deps.threadId, state)) {
    const where = { agent: step.agent, tool: step.tool, key: step.key };
    deps.emit({ type: "saga.compensating", ...where });
    try {
      const { runId, threadId } = deps;
      const pipeline = callPipeline("compensation", step.tool, {
        resilience: deps.resilience,
        interceptors: deps.interceptors ?? [],
      });
      await pipeline({ kind: "compensation", name: step.tool, attempt: 0, runId, threadId, emit: deps.emit }, () =>
        deps.undo({ runId, threadId, step }),
      );
      await mark(step.key, "compensated");
      deps.emit({ type: "saga.compensated", ...where });
      summary.compensated++;
    } catch (error) {
      const info = toTroupeError(error, "COMPENSATION_FAILED", `compensating ${step.tool}`).toInfo();
      const letter = await deps.deadLetters.add({
        kind: "compensation",
        threadId: deps.threadId,
        runId: deps.runId,
        subject: step.tool,
        error: info,
        input: step,
      });
      await mark(step.key, "dead_lettered");
      deps.emit({ type: "saga.failed", ...where, error: info });
      deps.emit({ type: "dlq.added", id: letter.id, kind: "compensation", error: info });
      summary.deadLettered++;
    }
  }
  return summary;
}

/** Undoes one saga step. */
export type UndoStep = (request: CompensateRequest) => Promise<void>;

/**
 * How a team undoes saga steps: an agent's call through the agent's host on the bus (wherever it
 * runs), a graph `tool:` node's call with the team's own tool, once per step.
 *
 * @example
 * const undo = stepUndoer(bus, tools, records);
 * await undo({ runId, threadId, step });
 */
export function stepUndoer(bus: Bus, tools: ReadonlyMap<string, Tool> | undefined, records: RecordStore): UndoStep {
  return async (request) => {
    if (!request.step.local) return invokeCompensation(bus, request);
    await undoWithTool(tools?.get(request.step.tool), request.step, scoped(records, request.threadId), request);
  };
}
