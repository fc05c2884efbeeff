import type { Level, Logger } from "pino";
import type { EventBody } from "../protocol/events.js";

type Line = [Level, Record<string, unknown>, string] | undefined;

/**
 * The log line of one run event, logged where the event happens (the run's process, or the host
 * that served the agent), so each event is one line: retries, fallbacks, breaker transitions and
 * dead letters at warn; the run's start, end and compensation at info; failures at error; the
 * steps in between at debug. Model deltas are not logged. A failure is under `error` as the event
 * carries it (`code`, `message`, `retryable`); a thrown error is under `err` (pino's serializer).
 */
export function logEvent(logger: Logger, event: EventBody): void {
  if (!logger.isLevelEnabled("error")) return; // silent (the library's default): skip building the line
  const line = lineOf(event);
  if (!line) return;
  const [level, fields, msg] = line;
  // a host's logger already carries the agent
  if (fields.agent !== undefined && logger.bindings().agent === fields.agent) delete fields.agent;
  logger[level]({ event: event.type, ...fields }, msg);
}

function lineOf(event: EventBody): Line {
  switch (event.type) {
    case "run.started":
      return ["info", { mode: event.mode, ...(event.from ? { from: event.from } : {}) }, "run started"];
    case "run.completed":
      return ["info", { usage: event.usage }, "run completed"];
    case "run.failed":
      return ["error", { error: event.error }, `run failed: ${event.error.code}`];
    case "run.paused":
    case "run.resumed":
    case "run.cancelled":
    case "run.interrupted":
      return ["info", {}, `run ${event.type.slice(4)}`];
    case "retry":
      return [
        "warn",
        {
          scope: event.scope,
          name: event.name,
          attempt: event.attempt,
          delayMs: event.delayMs,
          error: event.error,
          ...(event.scope === "agent" ? { agent: event.name } : {}),
        },
        `retrying ${event.scope} ${event.name} after attempt ${event.attempt} failed (${event.error.code}); next in ${event.delayMs} ms`,
      ];
    case "fallback":
      return [
        "warn",
        { scope: event.scope, from: event.from, to: event.to, error: event.reason },
        `${event.scope} ${event.from} failed (${event.reason.code}); falling back to ${event.to}`,
      ];
    case "breaker.opened":
    case "breaker.half_open":
    case "breaker.closed":
      return [
        "warn",
        { scope: event.scope, name: event.name },
        `circuit breaker of ${event.scope} ${event.name} ${event.type.slice(8).replace("_", "-")}`,
      ];
    case "dlq.added":
      return [
        "warn",
        { deadLetter: event.id, kind: event.kind, error: event.error },
        `dead letter ${event.id} added (${event.kind}, ${event.error.code}); redrive it with troupe dlq redrive`,
      ];
    case "saga.compensating":
    case "saga.compensated":
      return [
        "info",
        { agent: event.agent, tool: event.tool, key: event.key },
        `${event.type === "saga.compensating" ? "compensating" : "compensated"} ${event.tool} (done by ${event.agent})`,
      ];
    case "saga.failed":
      return [
        "error",
        { agent: event.agent, tool: event.tool, key: event.key, error: event.error },
        `compensating ${event.tool} (done by ${event.agent}) failed: ${event.error.code}`,
      ];
    case "approval.requested":
      return [
        "info",
        { approvalId: event.approvalId, tool: event.tool, approver: event.approver, deadline: event.deadline },
        `approval of ${event.tool} requested from ${event.approver}`,
      ];
    case "approval.escalated":
      return ["warn", { approvalId: event.approvalId, from: event.from, to: event.to }, "approval escalated"];
    case "approval.decided":
      return ["info", { approvalId: event.approvalId, approved: event.approved, by: event.by }, "approval decided"];
    case "agent.started":
      return ["debug", { agent: event.agent, turn: event.turn }, "agent started"];
    case "agent.completed":
      return ["debug", { agent: event.agent, usage: event.usage, replayed: event.replayed }, "agent completed"];
    case "tool.called":
      return [
        "debug",
        {
          agent: event.agent,
          tool: event.tool,
          durationMs: event.durationMs,
          ...(event.error ? { error: event.error } : {}),
          ...(event.reused ? { reused: true } : {}),
        },
        event.error ? `tool ${event.tool} failed: ${event.error.code}` : `tool ${event.tool} called`,
      ];
    case "handoff":
      return [
        "debug",
        { from: event.from, to: event.to, kind: event.kind },
        `${event.kind} ${event.from} -> ${event.to}`,
      ];
    case "checkpoint.saved":
      return ["debug", { checkpointId: event.checkpointId, step: event.step }, "checkpoint saved"];
    case "model.delta":
      return undefined;
  }
}
