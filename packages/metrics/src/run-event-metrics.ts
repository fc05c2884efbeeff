import type { TroupeEvent, TroupeEventType } from "@troupe/core";
import type { TroupeMetrics } from "./troupe-metrics.js";

/** What is kept per run while it works in this process (dropped at its terminal event). */
interface RunTrack {
  team: string;
  startedAt: number;
  /** When the last agent finished (or the run started): the start of the next coordination gap. */
  idleSince: number | undefined;
}

/** The events after which a run stops working in this process, and the status each ends it with. */
const ENDINGS: Partial<Record<TroupeEventType, string>> = {
  "run.completed": "completed",
  "run.failed": "failed",
  "run.cancelled": "cancelled",
  "run.interrupted": "interrupted",
  "run.paused": "paused",
};

/** Feeds run events to the metrics; `team` labels them. */
export type RunEventObserver = (event: TroupeEvent, team: string) => void;

/**
 * A subscriber of run events: runs started and ended (by team and status), run duration, active
 * runs, agents' tokens and cost, breaker states, approvals requested and decided, dead letters and
 * coordination latency.
 * Call it with every event of the runs this process runs (an Orchestrator's `onEvent`, a
 * RunStream's events) and the team's name. It keeps a little state per active run (when it started,
 * when its last agent finished), never per thread.
 *
 * @example
 * const observe = observeRunEvents(metrics);
 * for await (const event of team.stream("Order 3 lamps")) observe(event, team.spec.name);
 */
export function observeRunEvents(metrics: TroupeMetrics): RunEventObserver {
  const runs = new Map<string, RunTrack>();
  return (event, team) => {
    const at = Date.parse(event.at);
    let run = runs.get(event.runId);
    if (event.type === "run.started" || event.type === "run.resumed") {
      if (!run) {
        run = { team, startedAt: at, idleSince: at };
        runs.set(event.runId, run);
        metrics.activeRuns.inc({ team });
      }
      if (event.type === "run.started") metrics.runsStarted.inc({ team });
      return;
    }
    switch (event.type) {
      case "agent.started":
        if (run?.idleSince !== undefined)
          metrics.coordination.observe({ team }, Math.max(0, at - run.idleSince) / 1000);
        if (run) run.idleSince = undefined;
        break;
      case "agent.completed":
        if (run) run.idleSince = at;
        if (!event.replayed) {
          metrics.agentTokens.inc({ team, agent: event.agent, direction: "input" }, event.usage.inputTokens);
          metrics.agentTokens.inc({ team, agent: event.agent, direction: "output" }, event.usage.outputTokens);
          metrics.agentCost.inc({ team, agent: event.agent }, event.usage.costUsd);
        }
        break;
      case "breaker.opened":
        metrics.breakerChanged(event.scope, event.name, "open");
        break;
      case "breaker.half_open":
        metrics.breakerChanged(event.scope, event.name, "half_open");
        break;
      case "breaker.closed":
        metrics.breakerChanged(event.scope, event.name, "closed");
        break;
      case "approval.requested":
        metrics.approvals.inc({ team, outcome: "requested" });
        break;
      case "approval.escalated":
        metrics.approvals.inc({ team, outcome: "escalated" });
        break;
      case "approval.decided":
        metrics.approvals.inc({ team, outcome: event.approved ? "approved" : "rejected" });
        break;
      case "dlq.added":
        metrics.deadLetters.inc({ team, kind: event.kind });
        break;
      default:
        break;
    }
    const status = ENDINGS[event.type];
    if (status) {
      metrics.runsEnded.inc({ team, status });
      if (!run) return;
      metrics.runDuration.observe({ team, status }, Math.max(0, at - run.startedAt) / 1000);
      metrics.activeRuns.dec({ team: run.team });
      runs.delete(event.runId);
    }
  };
}
