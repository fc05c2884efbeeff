import { awaitApproval } from "./await-approval.js";
import { Command, END, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { invokeAgent } from "../bus/agent-client.js";
import type { Approvals } from "../records/approvals.js";
import type { BreakerRegistry } from "../resilience/circuit-breakers.js";
import type { DeadLetters } from "../records/dead-letters.js";
import { hostResilience, type Resilience } from "../protocol/resilience-policy.js";
import { callPipeline, type PipelineSetup } from "../resilience/call-pipeline.js";
import type { Interceptor } from "../resilience/interceptor.js";
import type { AgentRequest, AgentResult, DirectiveOffer } from "../protocol/agent-protocol.js";
import type { Bus } from "../bus/bus.js";
import { errorAt, isRunStop, toTroupeError, TroupeError, type ErrorInfo } from "../errors.js";
import type { EventSink } from "../protocol/events.js";
import type { ChatMessage } from "../protocol/messages.js";
import { scoped, type RecordStore } from "../stores/record-store.js";
import { readRecord, RecordKeys, writeRecord } from "../records/record-keys.js";
import type { RecordedDecision } from "../records/record-schemas.js";
import {
  stepsOfLatestTurn,
  usageOf,
  type Step,
  type TeamStateUpdate,
  type TeamStateValue,
} from "../protocol/team-state.js";
import type { Limits } from "../spec/team-spec.js";

/** What the runtime tells nodes about the run they are part of. */
export interface RunContext {
  runId: string;
  threadId: string;
  /** "replay" answers agents from the records and never calls them. */
  mode: "live" | "replay";
  /** Added to idempotency keys so a live replay calls models and tools afresh. */
  keySuffix: string;
  /** Thread whose recorded answers a replay reads (the original thread of a fork). */
  recordsThreadId: string;
  /** Set in a live replay (models are called again): whether tools with side effects run again too, or answer from the records. */
  liveReplay?: { liveTools: boolean };
  emit: EventSink;
  signal: AbortSignal;
  /** Ask agents to stream model deltas. */
  stream: boolean;
}

/** One request a pattern wants to make of an agent. */
export interface AgentCall {
  task: string;
  messages?: ChatMessage[];
  offers?: DirectiveOffer[];
  input?: unknown;
  context?: string;
}

/** Where the graph goes next and what else changes. */
export interface Outcome {
  goto: string | string[];
  update?: TeamStateUpdate;
}

export interface AgentNodePlan<S extends TeamStateValue = TeamStateValue> {
  /** The request to make, or an outcome to take without calling the agent. */
  prepare(state: S): AgentCall | { skip: Outcome };
  /** Turns the agent's result into the next step. */
  commit(state: S, result: AgentResult, call: AgentCall): Outcome;
}

export type AgentNodeFn<S extends TeamStateValue = TeamStateValue> = (
  state: S,
  config: LangGraphRunnableConfig,
) => Promise<Command>;

export interface AgentNodeDeps {
  bus: Bus;
  records: RecordStore;
  limits: Limits;
  runs: ReadonlyMap<string, RunContext>;
  resilience: Resilience;
  breakers: BreakerRegistry;
  deadLetters: DeadLetters;
  approvals: Approvals;
  /** Milliseconds since the epoch; a test clock in tests. */
  now: () => number;
  /** Your interceptors, around every agent and graph tool call (the team's `interceptors`). */
  interceptors?: readonly Interceptor[];
}

/** A person's answer to an approval request, as `team.resume` passes it. */
export type ApprovalDecision = RecordedDecision;

export const RUN_ID_KEY = "troupe_run_id";

/**
 * Builds a graph node that calls one agent through the bus: checks limits, reports events, answers
 * from the records on replay, records live answers, and turns failures into a failed state with
 * the partial result kept (the run never crashes halfway through a checkpoint).
 */
export function createAgentNode<S extends TeamStateValue>(
  deps: AgentNodeDeps,
  agent: string,
  plan: AgentNodePlan<S>,
): AgentNodeFn<S> {
  return async (state, config) => {
    const run = runOf(deps.runs, config);
    const prepared = plan.prepare(state);
    if ("skip" in prepared) return toCommand(prepared.skip);
    const call = prepared;
    const node = graphNodeOf(config) ?? agent;
    const where = { node, agent };
    const limitError = checkTurnLimit(state, deps.limits);
    if (limitError) return failed(errorAt(limitError, where));

    const turn = state.turn + 1;
    const started = Date.now();
    // an agent node whose call failed leaves no turn: it is listed among the run's nodes instead
    const failedCall = (error: ErrorInfo): TeamStateUpdate => ({
      activeAgent: agent,
      nodeSteps: [
        {
          userTurn: state.userTurn,
          kind: "agent",
          node,
          name: agent,
          afterTurn: state.turn,
          error,
          durationMs: Date.now() - started,
        },
      ],
    });
    run.emit({ type: "agent.started", agent, node, task: call.task, turn });
    const request: AgentRequest = {
      runId: run.runId,
      threadId: run.threadId,
      agent,
      task: call.task,
      messages: call.messages ?? [],
      ...(call.input === undefined ? {} : { input: call.input }),
      context: call.context ?? "",
      offers: call.offers ?? [],
      idempotencyKey: `${run.threadId}:${state.userTurn}:${turn}:${agent}${callSlot(config, agent)}${run.keySuffix}`,
      userTurn: state.userTurn,
      ...(run.liveReplay
        ? { replay: { recordsThreadId: run.recordsThreadId, liveTools: run.liveReplay.liveTools } }
        : {}),
      stream: run.stream,
      resilience: hostResilience(deps.resilience),
      ...(deps.limits.agentTimeoutMs ? { deadline: Date.now() + deps.limits.agentTimeoutMs } : {}),
    };
    const key = RecordKeys.agent(state.userTurn, turn, request, callSlot(config, agent));
    let result: AgentResult;
    let replayed = false;
    try {
      if (run.mode === "replay") {
        const recorded = await readRecord(scoped(deps.records, run.recordsThreadId), key);
        if (!recorded) {
          throw new TroupeError(
            "REPLAY_MISS",
            `no recorded answer for agent ${agent} at turn ${turn}; the thread diverged from what was recorded, replay with live: true (--live) to call the model`,
          );
        }
        result = recorded;
        replayed = true;
      } else {
        result = await callAgent(deps, run, agent, request);
      }
    } catch (error) {
      const typed = toTroupeError(error, "INTERNAL", `agent ${agent}`);
      // the run was stopped (cancel, run timeout): not the agent's failure, nothing to dead-letter
      if (isRunStop(typed) || run.signal.aborted) throw typed;
      if (run.mode !== "replay") {
        const letter = await deps.deadLetters.add({
          kind: "agent",
          threadId: run.threadId,
          runId: run.runId,
          subject: agent,
          error: typed.toInfo(),
          input: request,
        });
        run.emit({ type: "dlq.added", id: letter.id, kind: "agent", error: typed.toInfo() });
      }
      const info = errorAt(typed.toInfo(), where);
      return failed(info, failedCall(info));
    }
    if (result.approval) {
      // the agent stopped before a tool call that needs a person: ask, wait, then run it again
      await awaitApproval(deps, run, result.approval);
      try {
        result = await callAgent(deps, run, agent, request);
      } catch (error) {
        const info = errorAt(toTroupeError(error, "INTERNAL", `agent ${agent}`).toInfo(), where);
        return failed(info, failedCall(info));
      }
    }
    if (run.mode !== "replay") await writeRecord(scoped(deps.records, run.threadId), key, result);

    run.emit({
      type: "agent.completed",
      agent,
      node,
      output: result.output,
      usage: result.usage,
      directive: result.directive,
      replayed,
      durationMs: Date.now() - started,
    });
    const step: Step = {
      userTurn: state.userTurn,
      turn,
      agent,
      task: call.task,
      output: result.output,
      directive: result.directive.type,
      ...(result.directive.type === "finish" ? {} : { to: result.directive.to }),
      usage: result.usage,
      kind: "agent",
      node,
    };
    if (result.directive.type !== "finish") {
      run.emit({
        type: "handoff",
        from: agent,
        to: result.directive.to,
        task: result.directive.task,
        kind: result.directive.type,
      });
    }
    const base: TeamStateUpdate = {
      transcripts: { [agent]: result.messages },
      outputs: { [agent]: result.output },
      steps: [step],
      turn: 1,
      usage: result.usage,
      activeAgent: agent,
      ...(result.saga.length ? { saga: result.saga } : {}),
    };
    const budgetError = checkBudget([...stepsOfLatestTurn(state), step], deps.limits);
    if (budgetError) return failed(errorAt(budgetError, where), base);
    const outcome = plan.commit(state, result, call);
    return toCommand({ goto: outcome.goto, update: { ...base, ...outcome.update } });
  };
}

/** Calls an agent through its call pipeline: fallback agent, retries, breaker, deadline, interceptors. */
function callAgent(deps: AgentNodeDeps, run: RunContext, agent: string, request: AgentRequest): Promise<AgentResult> {
  const pipeline = callPipeline("agent", agent, pipelineSetup(deps), { timeoutMs: deps.limits.agentTimeoutMs });
  const call = { kind: "agent" as const, name: agent, attempt: 0, runId: run.runId, threadId: run.threadId };
  return pipeline({ ...call, signal: run.signal, emit: run.emit }, ({ name, fallbackFrom, signal, deadline }) =>
    invokeAgent(
      deps.bus,
      {
        ...request,
        agent: name,
        // a fallback gets its own key: it must not be answered with the failed agent's recorded model steps
        ...(fallbackFrom === undefined ? {} : { idempotencyKey: `${request.idempotencyKey}:fallback-${name}` }),
        ...(deadline ? { deadline } : {}),
      },
      { signal, ...(deadline ? { timeoutMs: Math.max(1, deadline - Date.now()) } : {}) },
    ),
  );
}

/** What the graph's calls (agents, tool nodes) build their pipelines from. */
export function pipelineSetup(deps: AgentNodeDeps): PipelineSetup {
  return { resilience: deps.resilience, breakers: deps.breakers, interceptors: deps.interceptors ?? [] };
}

/** LangGraph's marker (not exported) at the head of a `Send` task's path: [PUSH, index]. */
const PUSH = "__pregel_push";

/**
 * What tells this call apart from its siblings in the same superstep: the graph node, when it is
 * not named after the agent (a custom graph's `a`, `b`, `c` running one agent), and the `Send`
 * index of a fanned-out task. Empty for a plain node named after its agent.
 */
export function callSlot(config: LangGraphRunnableConfig, name: string): string {
  const node = graphNodeOf(config);
  const index = sendIndex(config);
  return `${node && node !== name ? `@${node}` : ""}${index === undefined ? "" : `#${index}`}`;
}

/** The LangGraph node this task runs in, when LangGraph says. */
export function graphNodeOf(config: LangGraphRunnableConfig): string | undefined {
  const node = config.metadata?.langgraph_node;
  return typeof node === "string" ? node : undefined;
}

/** The index of the `Send` that started this task, when one did (a fanned-out branch). */
export function sendIndex(config: LangGraphRunnableConfig): number | undefined {
  const path = config.metadata?.langgraph_path;
  return Array.isArray(path) && path[0] === PUSH && typeof path[1] === "number" ? path[1] : undefined;
}

export function runOf(runs: ReadonlyMap<string, RunContext>, config: LangGraphRunnableConfig): RunContext {
  const id = config.configurable?.[RUN_ID_KEY];
  const run = typeof id === "string" ? runs.get(id) : undefined;
  if (!run)
    throw new TroupeError(
      "INTERNAL",
      "graph node ran outside a Troupe run; call team.run or team.stream, not the graph directly",
    );
  return run;
}

/** A finished outcome: the team's answer becomes the run's output and joins the conversation. */
export function finishOutcome(output: unknown, update: TeamStateUpdate = {}): Outcome {
  const text = typeof output === "string" ? output : JSON.stringify(output);
  return {
    goto: END,
    update: {
      ...update,
      status: "completed",
      output,
      messages: [{ role: "assistant", content: [{ type: "text", text: text || "(empty answer)" }] }],
    },
  };
}

function failed(error: ErrorInfo, update: TeamStateUpdate = {}): Command {
  return new Command({ goto: END, update: { ...update, status: "failed", error } });
}

function toCommand(outcome: Outcome): Command {
  return new Command({ goto: outcome.goto, ...(outcome.update ? { update: outcome.update } : {}) });
}

function checkTurnLimit(state: TeamStateValue, limits: Limits): ErrorInfo | undefined {
  if (state.turn < limits.maxTurns) return undefined;
  return new TroupeError(
    "MAX_TURNS_EXCEEDED",
    `the team used all ${limits.maxTurns} turns (limits.maxTurns) without finishing; raise the limit or narrow the task`,
    {
      details: { maxTurns: limits.maxTurns },
    },
  ).toInfo();
}

function checkBudget(steps: Step[], limits: Limits): ErrorInfo | undefined {
  const usage = usageOf(steps);
  const tokens = usage.inputTokens + usage.outputTokens;
  if (limits.maxTokens !== undefined && tokens > limits.maxTokens) {
    return new TroupeError(
      "BUDGET_EXCEEDED",
      `the run used ${tokens} tokens, over limits.maxTokens ${limits.maxTokens}`,
      { details: { tokens, maxTokens: limits.maxTokens } },
    ).toInfo();
  }
  if (limits.maxCostUsd !== undefined && usage.costUsd > limits.maxCostUsd) {
    return new TroupeError(
      "BUDGET_EXCEEDED",
      `the run cost $${usage.costUsd}, over limits.maxCostUsd $${limits.maxCostUsd}`,
      { details: { costUsd: usage.costUsd, maxCostUsd: limits.maxCostUsd } },
    ).toInfo();
  }
  return undefined;
}
