import { context, trace, SpanKind, SpanStatusCode, type Context, type Span } from "@opentelemetry/api";
import type { TroupeEvent } from "../protocol/events.js";
import { spanForEvent, recordError } from "./event-spans.js";
import { GenAi, TroupeAttr, troupeTracer } from "./gen-ai-attributes.js";

/**
 * The spans a team's runs make from their events: one `run <team>` span per run (team, pattern,
 * thread as `gen_ai.conversation.id`, usage and outcome), and under it the spans of handoffs,
 * retries, breaker transitions and fallbacks, and `approval <tool>` per approval (its waiting
 * time). The team's calls find their run's span here
 * (see traceInterceptor), so `invoke_agent` spans sit under it.
 *
 * @example
 * const spans = new RunSpans("research", "supervisor");
 * spans.observe(event); // every event of the team's runs, as it is emitted
 */
export class RunSpans {
  private readonly runs = new Map<string, { span: Span; context: Context }>();
  /** Approvals waiting for a decision, by approval id. */
  private readonly open = new Map<string, Span>();

  constructor(
    private readonly team: string,
    private readonly pattern: string,
  ) {}

  /** The context of a run's span, when this process runs it. */
  contextOf(runId: string | undefined): Context | undefined {
    return runId === undefined ? undefined : this.runs.get(runId)?.context;
  }

  /** Takes one event of a run, synchronously where it is emitted (so a run's span is parented by the caller's context). */
  observe(event: TroupeEvent): void {
    if (event.type === "run.started") return this.start(event);
    const run = this.runs.get(event.runId);
    const parent = run?.context ?? context.active();
    switch (event.type) {
      case "approval.requested":
        this.open.set(
          `approval:${event.approvalId}`,
          troupeTracer().startSpan(
            `approval ${event.tool}`,
            {
              attributes: {
                "troupe.approval.id": event.approvalId,
                "troupe.approval.approver": event.approver,
                [GenAi.toolName]: event.tool,
                [GenAi.conversationId]: event.threadId,
              },
            },
            parent,
          ),
        );
        return;
      case "approval.escalated":
        this.open.get(`approval:${event.approvalId}`)?.addEvent("escalated", { from: event.from, to: event.to });
        return;
      case "approval.decided": {
        const span =
          this.take(`approval:${event.approvalId}`) ??
          troupeTracer().startSpan(
            `approval ${event.approvalId}`,
            { attributes: { "troupe.approval.id": event.approvalId } },
            parent,
          );
        span.setAttributes({ "troupe.approval.approved": event.approved, "troupe.approval.by": event.by });
        span.end();
        return;
      }
      case "run.completed":
        return this.end(event.runId, "completed", (span) =>
          span.setAttributes({
            [GenAi.inputTokens]: event.usage.inputTokens,
            [GenAi.outputTokens]: event.usage.outputTokens,
            [TroupeAttr.costUsd]: event.usage.costUsd,
            [TroupeAttr.modelCalls]: event.usage.modelCalls,
          }),
        );
      case "run.failed":
        return this.end(event.runId, "failed", (span) => recordError(span, event.error));
      case "run.paused":
      case "run.cancelled":
      case "run.interrupted":
        return this.end(event.runId, event.type.slice("run.".length));
      default:
        spanForEvent(event, parent);
    }
  }

  private start(event: Extract<TroupeEvent, { type: "run.started" }>): void {
    const span = troupeTracer().startSpan(
      `run ${this.team}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          [TroupeAttr.team]: this.team,
          [TroupeAttr.pattern]: this.pattern,
          [TroupeAttr.runId]: event.runId,
          [TroupeAttr.runMode]: event.mode,
          [GenAi.conversationId]: event.threadId,
        },
      },
      context.active(),
    );
    this.runs.set(event.runId, { span, context: trace.setSpan(context.active(), span) });
  }

  private end(runId: string, outcome: string, finish?: (span: Span) => void): void {
    const run = this.runs.get(runId);
    if (!run) return;
    this.runs.delete(runId);
    run.span.setAttribute(TroupeAttr.runOutcome, outcome);
    if (finish) finish(run.span);
    if (outcome === "completed") run.span.setStatus({ code: SpanStatusCode.OK });
    run.span.end();
  }

  private take(key: string): Span | undefined {
    const span = this.open.get(key);
    this.open.delete(key);
    return span;
  }
}
