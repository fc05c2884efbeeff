import type { TroupeEvent } from "@troupe/core";

/** One human line per event, or undefined for events not worth a line (model deltas, checkpoints). */
export function formatEvent(event: TroupeEvent, replaying = false): string | undefined {
  switch (event.type) {
    case "run.started":
      return event.mode === "replay"
        ? `↺ replaying thread ${event.threadId}${event.from ? ` from ${event.from}` : ""} (recorded answers, no model calls)`
        : `▶ thread ${event.threadId}`;
    case "agent.started":
      return `● ${event.agent} (turn ${event.turn})${event.task ? `: ${clip(event.task, 80)}` : ""}`;
    case "tool.called":
      return `  ⚙ ${event.agent} → ${event.tool}(${event.input === undefined ? "" : clip(JSON.stringify(event.input) ?? "", 60)})${event.error ? ` ✗ ${event.error.message}` : ` ✓ ${describeOutput(event.output)}`}${event.reused ? " (stored result)" : ""}${event.replayed ? " (from the recorded run; not run again)" : ""}`;
    case "handoff":
      return `  ↪ ${event.from} ${event.kind === "route" ? "delegates to" : "hands off to"} ${event.to}`;
    case "agent.completed":
      return `  ✓ ${event.agent} ${event.directive.type === "finish" ? "answered" : "done"} · ${event.usage.inputTokens + event.usage.outputTokens} tokens${event.replayed ? " (recorded)" : ""}`;
    case "run.completed":
      if (replaying)
        return `■ replay completed · 0 model calls now (the recorded run used ${event.usage.modelCalls}, ${event.usage.inputTokens + event.usage.outputTokens} tokens)`;
      return `■ completed · ${event.usage.modelCalls} model calls · ${event.usage.inputTokens + event.usage.outputTokens} tokens · $${event.usage.costUsd.toFixed(4)}`;
    case "run.failed":
      return `✗ failed [${event.error.code}] ${event.error.message}`;
    case "retry":
      return `  ↻ retry ${event.scope} ${event.name} #${event.attempt} in ${event.delayMs} ms (${event.error.code})`;
    case "breaker.opened":
    case "breaker.half_open":
    case "breaker.closed":
      return `  ⚡ breaker ${event.scope} ${event.name}: ${event.type.slice("breaker.".length).replace("_", "-")}`;
    case "fallback":
      return `  ⇢ ${event.scope} ${event.from} failed (${event.reason.code}); falling back to ${event.to}`;
    case "saga.compensating":
      return `  ↶ compensating ${event.tool} (done by ${event.agent})`;
    case "saga.compensated":
      return `  ✓ compensated ${event.tool}`;
    case "saga.failed":
      return `  ✗ compensation of ${event.tool} failed: ${event.error.message}`;
    case "dlq.added":
      return `  ✉ dead letter ${event.id} (${event.kind}): troupe dlq redrive ${event.id}`;
    case "run.paused":
      return `⏸ paused at a step boundary (troupe resume ${event.threadId})`;
    case "run.resumed":
      return `▶ resumed`;
    case "run.cancelled":
      return `■ cancelled`;
    case "approval.requested":
      return `? approval needed for ${event.tool} (${event.reason}) from ${event.approver} by ${event.deadline}: troupe approve ${event.threadId} --as ${event.approver}`;
    case "approval.escalated":
      return `  ⇡ approval escalated from ${event.from} to ${event.to}`;
    case "approval.decided":
      return `  ${event.approved ? "✓ approved" : "✗ rejected"} by ${event.by}`;
    default:
      return undefined;
  }
}

function describeOutput(output: unknown): string {
  if (Array.isArray(output)) return `${output.length} result${output.length === 1 ? "" : "s"}`;
  return clip(typeof output === "string" ? output : JSON.stringify(output ?? null), 50);
}

export function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
