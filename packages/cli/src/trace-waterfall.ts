import { addUsage, emptyUsage, type ErrorInfo, type TroupeEvent, type Usage } from "@troupe/core";
import { clip } from "./format-event.js";

/** One line of the waterfall: an agent turn, a tool call, a tool or step node. */
interface Span {
  label: string;
  kind: "agent" | "tool" | "step" | "call";
  node?: string;
  start: number;
  end: number;
  usage?: Usage;
  error?: ErrorInfo;
  open?: boolean;
  note?: string;
}

const BAR = 32;

/**
 * A terminal waterfall of one run from its logged events: one line per agent turn (with its model
 * calls, tokens and cost), per tool call of an agent (indented), and per tool or step node, each
 * with its start offset, duration and a bar; the failing node marked ✗; the run's total last.
 */
export function traceWaterfall(events: readonly TroupeEvent[]): string[] {
  if (!events.length) return [];
  const t0 = Date.parse(events[0]!.at);
  const spans: Span[] = [];
  const open = new Map<string, Span[]>();
  let failure: ErrorInfo | undefined;
  let end = t0;
  let total: Usage | undefined;
  for (const event of events) {
    const at = Date.parse(event.at);
    end = Math.max(end, at);
    switch (event.type) {
      case "agent.started": {
        const span: Span = { label: `${event.node ?? event.agent}`, kind: "agent", start: at, end: at, open: true };
        if (event.node) span.node = event.node;
        span.note = `agent ${event.agent} (turn ${event.turn})`;
        const key = event.node ?? event.agent;
        open.set(key, [...(open.get(key) ?? []), span]);
        spans.push(span);
        break;
      }
      case "agent.completed": {
        const span = open.get(event.node ?? event.agent)?.shift();
        if (!span) break;
        span.end = at;
        span.open = false;
        span.usage = event.usage;
        break;
      }
      case "tool.called": {
        const span: Span = {
          label: event.node ? event.node : `${event.tool}`,
          kind: event.node ? (event.tool.startsWith("step ") ? "step" : "tool") : "call",
          start: at - event.durationMs,
          end: at,
          note: event.node ? (event.tool.startsWith("step ") ? event.tool : `tool ${event.tool}`) : `by ${event.agent}`,
        };
        if (event.node) span.node = event.node;
        if (event.error) span.error = event.error;
        spans.push(span);
        break;
      }
      case "run.completed":
        total = event.usage;
        break;
      case "run.failed":
        failure = event.error;
        break;
    }
  }
  // by start time (a tool call is reported when it ends); spans that start together keep their order
  spans.sort((a, b) => a.start - b.start);
  const failedNode = typeof failure?.details?.node === "string" ? failure.details.node : undefined;
  for (const span of spans) {
    if (span.open) span.end = end;
    if (span.node !== undefined && span.node === failedNode && !span.error && failure) span.error = failure;
  }
  const width = Math.max(1, end - t0);
  const nameWidth = Math.min(24, Math.max(8, ...spans.map((s) => s.label.length + (s.kind === "call" ? 2 : 0))));
  const noteWidth = Math.min(30, Math.max(8, ...spans.map((s) => (s.note ?? "").length)));
  const lines = spans.map((span) => {
    const from = Math.floor(((span.start - t0) / width) * BAR);
    const len = Math.max(1, Math.round(((span.end - span.start) / width) * BAR));
    const bar = `${" ".repeat(Math.min(from, BAR - 1))}${"█".repeat(Math.min(len, BAR - Math.min(from, BAR - 1)))}`;
    const mark = span.error || span.open ? "✗" : "✓";
    const name = (span.kind === "call" ? `  ${span.label}` : span.label).padEnd(nameWidth);
    const cost = span.usage
      ? `${span.usage.modelCalls} model call${span.usage.modelCalls === 1 ? "" : "s"} · ${span.usage.inputTokens + span.usage.outputTokens} tok · $${span.usage.costUsd.toFixed(4)}`
      : "";
    const error = span.error
      ? `${span.error.code}: ${clip(span.error.message, 60)}`
      : span.open
        ? "did not finish"
        : "";
    return `${mark} ${name} ${(span.note ?? "").padEnd(noteWidth)} ${`+${span.start - t0}ms`.padStart(9)} ${`${span.end - span.start}ms`.padStart(8)} |${bar.padEnd(BAR)}| ${[cost, error].filter(Boolean).join("  ")}`;
  });
  const usage = total ?? spans.reduce((sum, s) => (s.usage ? addUsage(sum, s.usage) : sum), emptyUsage());
  const tail = failure
    ? `failed [${failure.code}]${failedNode ? ` at node ${failedNode}` : ""}: ${clip(failure.message, 80)}`
    : total
      ? "completed"
      : "";
  lines.push(
    `total ${end - t0}ms · ${usage.modelCalls} model calls · ${usage.inputTokens + usage.outputTokens} tokens · $${usage.costUsd.toFixed(4)}${tail ? ` · ${tail}` : ""}`,
  );
  return lines;
}
