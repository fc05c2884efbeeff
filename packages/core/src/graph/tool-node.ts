import { awaitApproval } from "./await-approval.js";
import { Command, END, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { scoped } from "../stores/record-store.js";
import { nodeVisit } from "./code-node.js";
import {
  pipelineSetup,
  runOf,
  type AgentNodeDeps,
  type AgentNodeFn,
  type Outcome,
  type RunContext,
} from "./agent-node.js";
import type { Tool } from "../authoring/define-tool.js";
import { errorAt, isRunStop, toTroupeError, TroupeError } from "../errors.js";
import type { DocStore } from "../stores/record-store.js";
import { sagaSink } from "../records/saga-journal.js";
import { readRecord, RecordKeys } from "../records/record-keys.js";
import type { NodeStep, TeamStateValue } from "../protocol/team-state.js";
import { callTool, type ToolCallDeps, type ToolCallOutcome, type ToolCallRequest } from "../agent/tool-call.js";

/** What a graph node that calls one tool does. */
export interface ToolNodePlan<S extends TeamStateValue = TeamStateValue> {
  tool: Tool;
  /** The tool's input for this visit (validated against the tool's schema before it runs). */
  input(state: S): unknown;
  /** Turns the tool's output into the next step. */
  commit(state: S, output: unknown): Outcome;
}

export interface ToolNodeDeps extends AgentNodeDeps {
  /** The saga journal (the team's document store): a compensable result is journaled as it completes. */
  journal: DocStore;
}

/**
 * Builds a graph node that calls a tool under the same contract as an agent's tool call (callTool):
 * input validation, approval (the run waits for a person through a LangGraph interrupt, with the
 * approval's SLA and escalation), per-attempt timeout with an aborted signal, retry policy,
 * breaker, idempotency key, saga journal (undone with the team's own tool when the run fails or is
 * cancelled), dead letters and events. Its result is recorded: resume re-uses it, replay answers
 * from it.
 *
 * @example
 * graph.addNode("charge", ctx.toolNode("charge", { tool: chargeCard, input: (s) => s.scratch.order, commit: (s, out) => ({ goto: "ship", update: { outputs: { charge: out } } }) }));
 */
export function createToolNode<S extends TeamStateValue>(
  deps: ToolNodeDeps,
  id: string,
  plan: ToolNodePlan<S>,
): AgentNodeFn<S> {
  const { tool } = plan;
  return async (state: S, config: LangGraphRunnableConfig) => {
    if (state.status !== "running") return new Command({ goto: END });
    const run = runOf(deps.runs, config);
    const { visitsKey, visit, idempotencyKey } = nodeVisit(state, config, run, id);
    const call: ToolCallRequest = {
      tool,
      input: plan.input(state),
      caller: id,
      node: id,
      runId: run.runId,
      threadId: run.threadId,
      userTurn: state.userTurn,
      idempotencyKey,
      signal: run.signal,
    };
    const started = Date.now();
    const nodeStep = (fields: Partial<NodeStep>): NodeStep => ({
      userTurn: state.userTurn,
      kind: "tool",
      node: id,
      name: tool.name,
      afterTurn: state.turn,
      input: call.input,
      durationMs: Date.now() - started,
      ...fields,
    });
    let outcome: ToolCallOutcome;
    try {
      outcome = run.mode === "replay" ? await replayed(deps, run, call) : await callTool(call, callDeps(deps, run));
    } catch (error) {
      return failed(deps, run, call, error, nodeStep);
    }
    if (outcome.kind === "approval") {
      // the run waits for a person; resuming with the decision runs this node again
      await awaitApproval(deps, run, outcome.approval);
      try {
        outcome = await callTool(call, callDeps(deps, run));
      } catch (error) {
        return failed(deps, run, call, error, nodeStep);
      }
    }
    if (outcome.kind !== "done") {
      const error =
        outcome.kind === "refused"
          ? outcome.error
          : new TroupeError("INTERNAL", `tool ${tool.name} (graph node ${id}) asked for approval twice`);
      const info = errorAt(error.toInfo(), { node: id, tool: tool.name });
      return new Command({
        goto: END,
        update: { status: "failed", error: info, nodeSteps: [nodeStep({ error: info })] },
      });
    }
    const next = plan.commit(state, outcome.output ?? null);
    const update = {
      ...next.update,
      scratch: { ...next.update?.scratch, [visitsKey]: visit },
      nodeSteps: [nodeStep({ output: outcome.output ?? null })],
      ...(outcome.saga ? { saga: [{ ...outcome.saga, local: true }] } : {}),
    };
    return new Command({ goto: next.goto, update });
  };
}

function callDeps(deps: ToolNodeDeps, run: RunContext): ToolCallDeps {
  return {
    emit: run.emit,
    records: scoped(deps.records, run.threadId),
    pipeline: pipelineSetup(deps),
    saga: sagaSink(deps.journal, run.threadId, { local: true }),
    ...(run.liveReplay
      ? { replay: { records: scoped(deps.records, run.recordsThreadId), liveTools: run.liveReplay.liveTools } }
      : {}),
  };
}

/** A plain replay runs no tool: the recorded run's result (or its refusal) answers. */
async function replayed(deps: ToolNodeDeps, run: RunContext, call: ToolCallRequest): Promise<ToolCallOutcome> {
  const records = scoped(deps.records, run.recordsThreadId);
  const decision = await readRecord(records, RecordKeys.approval(call.idempotencyKey));
  if (decision && !decision.approved)
    return {
      kind: "refused",
      error: new TroupeError(
        "APPROVAL_REJECTED",
        `${decision.by} rejected ${call.tool.name}${decision.comment ? `: ${decision.comment}` : ""}`,
      ),
    };
  const recorded = await readRecord(records, RecordKeys.tool(call.idempotencyKey));
  if (!recorded)
    throw new TroupeError(
      "REPLAY_MISS",
      `no recorded result for tool ${call.tool.name} (graph node ${call.caller}); replay with live: true (--live) to run it`,
    );
  run.emit({
    type: "tool.called",
    agent: call.caller,
    node: call.caller,
    tool: call.tool.name,
    input: call.input,
    output: recorded.output,
    durationMs: 0,
    replayed: true,
  });
  return { kind: "done", output: recorded.output };
}

/** The tool failed for good: the run fails with the tool's error, and a live call is dead-lettered for redrive. */
async function failed(
  deps: ToolNodeDeps,
  run: RunContext,
  call: ToolCallRequest,
  error: unknown,
  nodeStep: (fields: Partial<NodeStep>) => NodeStep,
): Promise<Command> {
  const typed = toTroupeError(error, "TOOL_FAILED", `tool ${call.tool.name} (graph node ${call.caller})`);
  // the run was stopped (cancel, run timeout): not the tool's failure
  if (isRunStop(typed) || run.signal.aborted) throw typed;
  if (run.mode !== "replay") {
    const letter = await deps.deadLetters.add({
      kind: "tool",
      threadId: run.threadId,
      runId: run.runId,
      subject: call.caller,
      error: typed.toInfo(),
      input: { tool: call.tool.name, input: call.input },
    });
    run.emit({ type: "dlq.added", id: letter.id, kind: "tool", error: typed.toInfo() });
  }
  const info = errorAt(typed.toInfo(), { node: call.caller, tool: call.tool.name });
  return new Command({ goto: END, update: { status: "failed", error: info, nodeSteps: [nodeStep({ error: info })] } });
}
