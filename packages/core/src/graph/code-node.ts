import { Command, END, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { runOf, sendIndex, type RunContext, type AgentNodeDeps, type AgentNodeFn, type Outcome } from "./agent-node.js";
import { errorAt, isRunStop, toTroupeError, TroupeError } from "../errors.js";
import type { NodeStep, TeamStateValue } from "../protocol/team-state.js";
import { parseStored, readRecord, RecordKeys, ScratchKeys, writeRecord } from "../records/record-keys.js";
import { scoped } from "../stores/record-store.js";

/** What a code node (a graph node that runs a function, not an agent or a tool) gets to work with. */
export interface CodeNodeContext {
  runId: string;
  threadId: string;
  signal: AbortSignal;
  /** The same on resume and replay: thread, user turn, node, how often it ran and its `Send` branch. */
  idempotencyKey: string;
}

export interface CodeNodePlan<S extends TeamStateValue = TeamStateValue> {
  /** Shown in events and errors, e.g. "step check_stock". */
  label: string;
  /** The step's name, as run results and error details name it (default: the node id). */
  name?: string;
  /** The input it reports in its event. */
  input?(state: S): unknown;
  /** The work; its JSON result is recorded, so resume re-uses it and replay never runs it again. */
  run(state: S, ctx: CodeNodeContext): Promise<unknown>;
  /** Turns the result into the next step. */
  commit(state: S, output: unknown): Outcome;
}

/**
 * Builds a graph node that runs code (a registered step) within a run: it reports a
 * `tool.called` event, records the result under the node's idempotency key (a resumed run re-uses
 * it; a replay answers from it without running the code), and turns a throw into a failed run.
 */
export function createCodeNode<S extends TeamStateValue>(
  deps: AgentNodeDeps,
  id: string,
  plan: CodeNodePlan<S>,
): AgentNodeFn<S> {
  return async (state: S, config: LangGraphRunnableConfig) => {
    if (state.status !== "running") return new Command({ goto: END });
    const run = runOf(deps.runs, config);
    const { visitsKey, visit, idempotencyKey } = nodeVisit(state, config, run, id);
    const recordKey = RecordKeys.node(idempotencyKey);
    const input = plan.input?.(state);
    const started = Date.now();
    const step = plan.name ?? id;
    const nodeStep: NodeStep = {
      userTurn: state.userTurn,
      kind: "step",
      node: id,
      name: step,
      afterTurn: state.turn,
      ...(input === undefined ? {} : { input }),
    };
    try {
      const recorded = await readRecord(
        scoped(deps.records, run.mode === "replay" ? run.recordsThreadId : run.threadId),
        recordKey,
      );
      if (!recorded && run.mode === "replay") {
        throw new TroupeError(
          "REPLAY_MISS",
          `no recorded result for graph node ${id}; replay with live: true (--live) to run it`,
        );
      }
      const output = recorded
        ? recorded.output
        : await plan.run(state, { runId: run.runId, threadId: run.threadId, signal: run.signal, idempotencyKey });
      if (!recorded) await writeRecord(scoped(deps.records, run.threadId), recordKey, { output: output ?? null });
      run.emit({
        type: "tool.called",
        agent: id,
        node: id,
        tool: plan.label,
        input,
        output,
        durationMs: Date.now() - started,
        ...(recorded ? { reused: true } : {}),
      });
      const outcome = plan.commit(state, output ?? null);
      const ran = { ...nodeStep, output, durationMs: Date.now() - started };
      const update = {
        ...outcome.update,
        scratch: { ...outcome.update?.scratch, [visitsKey]: visit },
        nodeSteps: [ran],
      };
      return new Command({ goto: outcome.goto, update });
    } catch (error) {
      const typed = toTroupeError(error, "TOOL_FAILED", `${plan.label} (graph node ${id})`);
      if (isRunStop(typed) || run.signal.aborted) throw typed;
      run.emit({
        type: "tool.called",
        agent: id,
        node: id,
        tool: plan.label,
        input,
        error: typed.toInfo(),
        durationMs: Date.now() - started,
      });
      const info = errorAt(typed.toInfo(), { node: id, step });
      const ran = { ...nodeStep, error: info, durationMs: Date.now() - started };
      return new Command({ goto: END, update: { status: "failed", error: info, nodeSteps: [ran] } });
    }
  };
}

/**
 * Which visit of a graph node this is, and the idempotency key of its call: thread, user turn,
 * node, visit and `Send` branch, plus the run's key suffix. The visit count is kept in state, not
 * LangGraph's step number, because replay forks shift step numbers.
 */
export function nodeVisit(
  state: TeamStateValue,
  config: LangGraphRunnableConfig,
  run: RunContext,
  id: string,
): { visitsKey: string; visit: number; idempotencyKey: string } {
  const visits = ScratchKeys.visits(id);
  const visitsKey = visits.key;
  const seen = state.scratch[visitsKey];
  const visit = (seen === undefined ? 0 : parseStored(visits.schema, seen, `scratch "${visitsKey}"`)) + 1;
  const index = sendIndex(config);
  return {
    visitsKey,
    visit,
    idempotencyKey: `${run.threadId}:${state.userTurn}:${id}#${visit}${index === undefined ? "" : `.${index}`}${run.keySuffix}`,
  };
}
