import { SpanStatusCode, type Context, type Span } from "@opentelemetry/api";
import type { ErrorInfo } from "../errors.js";
import type { EventBody } from "../protocol/events.js";
import { GenAi, troupeTracer } from "./gen-ai-attributes.js";

/**
 * Makes a short span for a call-pipeline event under `parent`: `retry <scope> <name>` (lasting the
 * backoff wait, with the error that caused it), `breaker <state> <scope> <name>`, `fallback <from> -> <to>`
 * and `handoff <from> -> <to>`. Other events make no span; returns whether one was made.
 */
export function spanForEvent(event: EventBody, parent: Context): boolean {
  const tracer = troupeTracer();
  const at = Date.now();
  switch (event.type) {
    case "retry": {
      const span = tracer.startSpan(
        `retry ${event.scope} ${event.name}`,
        {
          startTime: at,
          attributes: {
            "troupe.retry.scope": event.scope,
            "troupe.retry.name": event.name,
            "troupe.retry.attempt": event.attempt,
            "troupe.retry.delay_ms": event.delayMs,
            [GenAi.errorType]: event.error.code,
          },
        },
        parent,
      );
      recordError(span, event.error, false);
      span.end(at + event.delayMs);
      return true;
    }
    case "breaker.opened":
    case "breaker.half_open":
    case "breaker.closed": {
      const state = event.type.slice("breaker.".length);
      instant(`breaker ${state} ${event.scope} ${event.name}`, parent, {
        "troupe.breaker.state": state,
        "troupe.breaker.scope": event.scope,
        "troupe.breaker.name": event.name,
      });
      return true;
    }
    case "fallback": {
      const span = tracer.startSpan(
        `fallback ${event.from} -> ${event.to}`,
        {
          attributes: {
            "troupe.fallback.scope": event.scope,
            "troupe.fallback.from": event.from,
            "troupe.fallback.to": event.to,
            [GenAi.errorType]: event.reason.code,
          },
        },
        parent,
      );
      recordError(span, event.reason, false);
      span.end();
      return true;
    }
    case "handoff":
      instant(`handoff ${event.from} -> ${event.to}`, parent, {
        "troupe.handoff.kind": event.kind,
        "troupe.handoff.from": event.from,
        "troupe.handoff.to": event.to,
        [GenAi.agentName]: event.to,
      });
      return true;
    default:
      return false;
  }
}

/** Records a Troupe error on a span: an exception event, and the error status when `fails`. */
export function recordError(span: Span, error: ErrorInfo, fails = true): void {
  span.recordException({ name: error.code, message: error.message });
  span.setAttribute(GenAi.errorType, error.code);
  if (fails) span.setStatus({ code: SpanStatusCode.ERROR, message: `${error.code}: ${error.message}` });
}

function instant(name: string, parent: Context, attributes: Record<string, string>): void {
  troupeTracer().startSpan(name, { attributes }, parent).end();
}
