import { context } from "@opentelemetry/api";
import type { EventSink } from "../protocol/events.js";
import { spanForEvent } from "./event-spans.js";

/**
 * Wraps an agent host's event sink: the retries, breaker transitions and fallbacks of its model
 * and tool calls also become spans, under the span of the agent request being served.
 *
 * @example
 * const emit = tracedSink(runEmitter(bus, runId, threadId));
 */
export function tracedSink(sink: EventSink): EventSink {
  return (event) => {
    spanForEvent(event, context.active());
    sink(event);
  };
}
