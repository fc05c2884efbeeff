import {
  AgentRequestSchema,
  agentService,
  compensateService,
  type ParsedAgentRequest,
} from "../protocol/agent-protocol.js";
import { startAgentLifecycle, type AgentLifecycleState } from "./agent-lifecycle.js";
import type { Bus, Reply, Subscription } from "../bus/bus.js";
import { CompensateRequestSchema } from "../bus/agent-client.js";
import { scoped } from "../stores/record-store.js";
import type { BreakerRegistry } from "../resilience/circuit-breakers.js";
import type { Agent } from "../authoring/define-agent.js";
import { formatZodIssues } from "../zod-format.js";
import { isTroupeError, toTroupeError, TroupeError } from "../errors.js";
import { runEventsTopic, type EventBody, type EventSink, type TroupeEvent } from "../protocol/events.js";
import type { HostResilience } from "../protocol/resilience-policy.js";
import type { ModelClient } from "../protocol/model-client.js";
import type { DocStore, RecordStore } from "../stores/record-store.js";
import { journaledStep, sagaSink } from "../records/saga-journal.js";
import { LeaseKeys } from "../records/record-keys.js";
import { takeLease, type HeldLease } from "../stores/run-lease.js";
import { leaseSettings, type LeaseStore } from "../stores/thread-lease.js";
import { randomUUID } from "node:crypto";
import type { PipelineSetup } from "../resilience/call-pipeline.js";
import type { Interceptor } from "../resilience/interceptor.js";
import { resilientModel } from "../resilience/resilient-model.js";
import { runAgent } from "./run-agent.js";
import { undoWithTool } from "./undo-with-tool.js";
import { agentLogger, defaultLogger, ignored, type Logger } from "../logging/logger.js";
import { logEvent } from "../logging/log-event.js";

export interface ServeAgentOptions {
  model: ModelClient;
  /** Answers when the model fails or its breaker is open. */
  fallbackModel?: ModelClient;
  /**
   * The policy its model and tool calls follow (the caller's, see agentServingOptions): model
   * retries (`models.<id>.retry`), tool retries (a tool's own `tools.<name>.retry`, else `retry`
   * for tools marked `idempotent`: a retry must not repeat a side effect) and tool attempt
   * timeouts. Without it nothing is retried and tools keep their own `timeoutMs`.
   */
  resilience?: HostResilience;
  /** Your interceptors, around each attempt of every model and tool call this host makes (compensations are intercepted by the caller). */
  interceptors?: readonly Interceptor[];
  /** Model answers, tool results and approvals are kept here, per thread. */
  records?: RecordStore;
  breakers?: BreakerRegistry;
  /**
   * Where compensable tool calls are journaled as they happen (the team's document store). A
   * compensation request is served only for a step journaled here by the requesting thread.
   */
  sagaJournal?: DocStore;
  /**
   * Per-request leases (the team's store): duplicates of one request (same idempotency key: a
   * redelivery, a retry after a timeout, a forged repeat) run one at a time, so the later ones
   * answer from the first one's records and no tool side effect happens twice.
   */
  leases?: LeaseStore;
  /** Hears each lifecycle state the agent enters. */
  onState?: (state: AgentLifecycleState) => void;
  /**
   * The options one request is served with, when they depend on it (the caller's resilience policy
   * it carries; see agentServingOptions); undefined keeps these.
   */
  forRequest?: (request: ParsedAgentRequest) => ServeAgentOptions | undefined;
  /**
   * Where the host logs (default `defaultLogger()`): a child carrying `agent`, and per request
   * `runId` and `threadId`. The events of the calls it makes (model retries, fallbacks, breakers)
   * are logged here, where they happen.
   */
  logger?: Logger;
}

/** A served agent: stop taking work, wait for what is in flight, and see where it is in its life. */
export interface AgentHandle extends Subscription {
  readonly agent: string;
  state(): AgentLifecycleState;
  /** Stops taking new requests and resolves when in-flight requests are done. */
  drain(): Promise<void>;
}

/**
 * Serves an agent on a bus: validates each request, runs the agent (recorded model answers,
 * idempotent tools, breakers), publishes its events on the run's topic, and always answers with
 * a typed reply. Also serves the agent's compensations. Lifecycle states go to `agents.lifecycle`.
 *
 * @example
 * const handle = await serveAgent(bus, researcher, { model: offlineModel() });
 * await handle.drain();
 */
export async function serveAgent(bus: Bus, agent: Agent, options: ServeAgentOptions): Promise<AgentHandle> {
  let current: AgentLifecycleState = "starting";
  const log = agentLogger(options.logger ?? defaultLogger(), agent.name);
  const lifecycle = startAgentLifecycle((state) => {
    current = state;
    options.onState?.(state);
    void bus
      .publish("agents.lifecycle", { agent: agent.name, state, at: new Date().toISOString() })
      .catch(ignored(log, "lifecycle states are informational; the next one says where the agent is"));
  });
  let draining: (() => void) | undefined;
  const drained = new Promise<void>((resolve) => (draining = resolve));
  lifecycle.subscribe((s) => s.value === "stopped" && draining?.());

  const invoke = await bus.serve(agentService(agent.name), async (payload, { signal }): Promise<Reply> => {
    if (current === "draining" || current === "stopped") {
      return {
        ok: false,
        error: new TroupeError(
          "AGENT_UNAVAILABLE",
          `agent ${agent.name} is draining; send the request to another worker`,
        ).toInfo(),
      };
    }
    const parsed = AgentRequestSchema.safeParse(payload);
    if (!parsed.success) {
      return {
        ok: false,
        error: new TroupeError(
          "BUS_MESSAGE_INVALID",
          `bad request for agent ${agent.name}: ${formatZodIssues(parsed.error)}`,
        ).toInfo(),
      };
    }
    const request = parsed.data;
    if (request.deadline !== undefined && request.deadline <= Date.now()) {
      return {
        ok: false,
        error: new TroupeError(
          "AGENT_TIMEOUT",
          `agent ${agent.name}: the caller's deadline passed before the request started; it was not run`,
        ).toInfo(),
      };
    }
    const served = options.forRequest?.(request) ?? options;
    const requestLog = log.child({ runId: request.runId, threadId: request.threadId });
    const emit = runEmitter(bus, request.runId, request.threadId, requestLog);
    const started = Date.now();
    const pipeline: PipelineSetup = {
      resilience: served.resilience ?? {},
      ...(served.breakers ? { breakers: served.breakers } : {}),
      // the host is degraded while its model's breaker is open
      onBreaker: (scope, _name, state) => {
        if (scope === "model") lifecycle.send({ type: state === "opened" ? "DEGRADE" : "RECOVER" });
      },
      interceptors: served.interceptors ?? [],
    };
    const { runId, threadId } = request;
    lifecycle.send({ type: "REQUEST" });
    let held: HeldLease | undefined;
    try {
      held = served.leases ? await requestLease(served.leases, agent.name, request, signal) : undefined;
      const records = served.records ? scoped(served.records, request.threadId) : undefined;
      const journal = served.sagaJournal;
      const value = await runAgent(agent, request, {
        model: resilientModel(served.model, pipeline, {
          emit,
          runId,
          threadId,
          ...(served.fallbackModel ? { fallback: served.fallbackModel } : {}),
        }),
        emit,
        signal,
        ...(records ? { records } : {}),
        ...(journal ? { saga: sagaSink(journal, request.threadId) } : {}),
        pipeline,
        ...(request.replay && served.records
          ? {
              replay: {
                records: scoped(served.records, request.replay.recordsThreadId),
                liveTools: request.replay.liveTools,
              },
            }
          : {}),
      });
      requestLog.debug({ durationMs: Date.now() - started, usage: value.usage }, "agent request served");
      return { ok: true, value };
    } catch (error) {
      const typed = toTroupeError(error, "INTERNAL", `agent ${agent.name}`);
      requestLog[typed.retryable ? "warn" : "error"](
        { err: typed, durationMs: Date.now() - started },
        `agent request failed: ${typed.code}`,
      );
      return { ok: false, error: typed.toInfo() };
    } finally {
      await held?.release().catch(ignored(requestLog, "an unreleased request lease lapses after its TTL"));
      lifecycle.send({ type: "DONE" });
    }
  });

  const compensate = await bus.serve(compensateService(agent.name), async (payload): Promise<Reply> => {
    const parsed = CompensateRequestSchema.safeParse(payload);
    if (!parsed.success)
      return {
        ok: false,
        error: new TroupeError(
          "BUS_MESSAGE_INVALID",
          `bad compensation request: ${formatZodIssues(parsed.error)}`,
        ).toInfo(),
      };
    const { runId, threadId } = parsed.data;
    const records = options.records ? scoped(options.records, threadId) : undefined;
    try {
      // only a step this thread journaled, as it was journaled: a forged request undoes nothing
      const step = options.sagaJournal
        ? await journaledStep(options.sagaJournal, threadId, parsed.data.step.key)
        : undefined;
      if (!step || step.tool !== parsed.data.step.tool || step.agent !== agent.name) {
        throw new TroupeError(
          "COMPENSATION_REFUSED",
          `agent ${agent.name}: no journaled ${parsed.data.step.tool} step "${parsed.data.step.key}" of thread "${threadId}"${options.sagaJournal ? "" : " (this host keeps no saga journal: serve it with the team's store)"}; only steps a run of the thread made are undone`,
        );
      }
      return {
        ok: true,
        value: await undoWithTool(
          agent.tools.find((t) => t.name === step.tool),
          step,
          records,
          { runId, threadId },
          log.child({ runId, threadId }),
        ),
      };
    } catch (error) {
      const typed = toTroupeError(error, "COMPENSATION_FAILED", `compensating ${parsed.data.step.tool}`);
      log.error({ err: typed, runId, threadId, tool: parsed.data.step.tool }, `compensation failed: ${typed.code}`);
      return { ok: false, error: typed.toInfo() };
    }
  });

  lifecycle.send({ type: "READY" });
  return {
    agent: agent.name,
    state: () => current,
    async unsubscribe() {
      await invoke.unsubscribe();
      await compensate.unsubscribe();
      lifecycle.send({ type: "DRAIN" });
      lifecycle.stop();
    },
    async drain() {
      lifecycle.send({ type: "DRAIN" });
      await drained;
      await invoke.unsubscribe();
      await compensate.unsubscribe();
    },
  };
}

/** Publishes stamped events on a run's topic. */
export function runEmitter(bus: Bus, runId: string, threadId: string, logger: Logger = defaultLogger()): EventSink {
  return (event: EventBody) => {
    const stamped = { ...event, runId, threadId, at: new Date().toISOString() } as TroupeEvent;
    logEvent(logger, event);
    void bus
      .publish(runEventsTopic(runId), stamped)
      .catch(ignored(logger, "an agent's event is progress news; the reply still carries its result", "warn"));
  };
}

/**
 * The lease on one request's idempotency key, held while it runs: a duplicate waits (until its
 * deadline, or 5 minutes) for the first to finish, then answers from its records.
 */
async function requestLease(
  leases: LeaseStore,
  agent: string,
  request: ParsedAgentRequest,
  signal: AbortSignal,
): Promise<HeldLease> {
  const waitMs = request.deadline !== undefined ? Math.max(0, request.deadline - Date.now()) : 300_000;
  try {
    return await takeLease(leases, LeaseKeys.request(request.idempotencyKey), {
      owner: randomUUID(),
      purpose: `agent ${agent}`,
      settings: leaseSettings(),
      waitMs,
      signal,
    });
  } catch (error) {
    if (!isTroupeError(error, "THREAD_BUSY")) throw error;
    throw new TroupeError(
      "AGENT_UNAVAILABLE",
      `agent ${agent} is still answering another delivery of request ${request.idempotencyKey}; try again once it is done`,
      { cause: error },
    );
  }
}
