import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** Seconds: a model call or a tool call takes milliseconds to minutes. */
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** Seconds: a run takes from under a second (offline) to many minutes. */
const RUN_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
/** Seconds between one agent finishing and the next starting (checkpoint, routing, bus). */
const COORDINATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export type BreakerState = "closed" | "half_open" | "open";
const BREAKER_VALUES: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** Reads behind the gauges set at scrape time. */
export interface MetricSources {
  approvalsPending?: () => Promise<number>;
  runQueueLag?: () => Promise<number>;
  deadRuns?: () => Promise<number>;
}

export interface TroupeMetricsOptions {
  /** The registry to register in (default: a new one, so two processes' worth never mix in a test). */
  registry?: Registry;
  /** Also export Node's process metrics (CPU, memory, event loop lag, GC, heap) as `troupe_process_*` / `troupe_nodejs_*` (default true). */
  processMetrics?: boolean;
}

/**
 * Every Troupe metric, registered in one prom-client registry. Label values are bounded: team,
 * agent, model and tool names come from specs, `code` from `ErrorCodes`; thread and run ids are
 * never labels. Fed by {@link metricsInterceptor} (calls) and {@link observeRunEvent} (run events).
 *
 * @example
 * const metrics = new TroupeMetrics();
 * const server = await serveMetrics(metrics.registry, { port: 9464 });
 */
export class TroupeMetrics {
  readonly registry: Registry;

  readonly runsStarted: Counter<"team">;
  readonly runsEnded: Counter<"team" | "status">;
  readonly runDuration: Histogram<"team" | "status">;
  readonly activeRuns: Gauge<"team">;
  readonly calls: Counter<"kind" | "name" | "outcome" | "code">;
  readonly callDuration: Histogram<"kind" | "name" | "outcome">;
  readonly retries: Counter<"kind" | "name">;
  readonly fallbacks: Counter<"kind" | "from" | "to">;
  readonly modelTokens: Counter<"model" | "direction">;
  readonly modelCost: Counter<"model">;
  readonly agentTokens: Counter<"team" | "agent" | "direction">;
  readonly agentCost: Counter<"team" | "agent">;
  readonly breakerState: Gauge<"scope" | "name">;
  readonly breakerTransitions: Counter<"scope" | "name" | "state">;
  readonly approvals: Counter<"team" | "outcome">;
  readonly approvalsPending: Gauge;
  readonly runQueueLag: Gauge;
  readonly deadRuns: Gauge;
  readonly sourceErrors: Counter<"source">;
  readonly deadLetters: Counter<"team" | "kind">;
  readonly coordination: Histogram<"team">;

  constructor(options: TroupeMetricsOptions = {}) {
    const registers = [(this.registry = options.registry ?? new Registry())];
    if (options.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry, prefix: "troupe_" });
      // gauges named like counters: `promtool check metrics` rejects them (active handles, requests, resources)
      for (const what of ["handles", "requests", "resources"])
        this.registry.removeSingleMetric(`troupe_nodejs_active_${what}_total`);
    }
    this.runsStarted = new Counter({
      name: "troupe_runs_started_total",
      help: "Runs started (live or replay), by team",
      labelNames: ["team"],
      registers,
    });
    this.runsEnded = new Counter({
      name: "troupe_runs_ended_total",
      help: "Runs that stopped in this process, by team and status (completed, failed, cancelled, interrupted, paused)",
      labelNames: ["team", "status"],
      registers,
    });
    this.runDuration = new Histogram({
      name: "troupe_run_duration_seconds",
      help: "Time from run.started to the run's terminal event, by team and status",
      labelNames: ["team", "status"],
      buckets: RUN_BUCKETS,
      registers,
    });
    this.activeRuns = new Gauge({
      name: "troupe_active_runs",
      help: "Runs working in this process now, by team",
      labelNames: ["team"],
      registers,
    });
    this.calls = new Counter({
      name: "troupe_calls_total",
      help: "Attempts of agent, model, tool and compensation calls that ran, by kind, name, outcome (ok|error) and error code",
      labelNames: ["kind", "name", "outcome", "code"],
      registers,
    });
    this.callDuration = new Histogram({
      name: "troupe_call_duration_seconds",
      help: "Duration of each attempt of an agent, model, tool or compensation call, by kind, name and outcome",
      labelNames: ["kind", "name", "outcome"],
      buckets: CALL_BUCKETS,
      registers,
    });
    this.retries = new Counter({
      name: "troupe_retries_total",
      help: "Retry attempts (attempt > 0) of calls, by kind and name",
      labelNames: ["kind", "name"],
      registers,
    });
    this.fallbacks = new Counter({
      name: "troupe_fallbacks_total",
      help: "Calls made as a fallback for a failed agent or model, by kind, the failed one and the fallback",
      labelNames: ["kind", "from", "to"],
      registers,
    });
    this.modelTokens = new Counter({
      name: "troupe_model_tokens_total",
      help: "Tokens of the model calls made in this process, by model and direction (input|output)",
      labelNames: ["model", "direction"],
      registers,
    });
    this.modelCost = new Counter({
      name: "troupe_model_cost_usd_total",
      help: "Cost in US dollars of the model calls made in this process, by model",
      labelNames: ["model"],
      registers,
    });
    this.agentTokens = new Counter({
      name: "troupe_agent_tokens_total",
      help: "Tokens spent by agent calls of the runs in this process (agent.completed, not replayed), by team, agent and direction",
      labelNames: ["team", "agent", "direction"],
      registers,
    });
    this.agentCost = new Counter({
      name: "troupe_agent_cost_usd_total",
      help: "Cost in US dollars of agent calls of the runs in this process (agent.completed, not replayed), by team and agent",
      labelNames: ["team", "agent"],
      registers,
    });
    this.breakerState = new Gauge({
      name: "troupe_breaker_state",
      help: "Circuit breaker state as last seen: 0 closed, 1 half-open, 2 open; by scope (agent|model|tool) and name",
      labelNames: ["scope", "name"],
      registers,
    });
    this.breakerTransitions = new Counter({
      name: "troupe_breaker_transitions_total",
      help: "Circuit breaker transitions, by scope, name and the state entered (open|half_open|closed)",
      labelNames: ["scope", "name", "state"],
      registers,
    });
    this.approvals = new Counter({
      name: "troupe_approvals_total",
      help: "Approval requests and outcomes, by team and outcome (requested|escalated|approved|rejected)",
      labelNames: ["team", "outcome"],
      registers,
    });
    const sources = this.sources;
    const errors = (this.sourceErrors = new Counter({
      name: "troupe_metrics_source_errors_total",
      help: "Scrapes at which a gauge's source (the store, JetStream) could not be read; the gauge kept its last value",
      labelNames: ["source"],
      registers,
    }));
    const fromSource = (key: keyof MetricSources) =>
      async function (this: Gauge) {
        const read = sources[key];
        if (!read) return;
        try {
          this.set(await read());
        } catch {
          // the store or NATS is unreachable for a moment: the scrape still answers, the error is counted
          errors.inc({ source: key });
        }
      };
    this.approvalsPending = new Gauge({
      name: "troupe_approvals_pending",
      help: "Approvals waiting for a decision, in the store this process uses",
      registers: [],
      collect: fromSource("approvalsPending"),
    });
    this.runQueueLag = new Gauge({
      name: "troupe_run_queue_lag",
      help: "Run requests in the namespace's JetStream run queue not yet delivered to an orchestrator (consumer num_pending)",
      registers: [],
      collect: fromSource("runQueueLag"),
    });
    this.deadRuns = new Gauge({
      name: "troupe_run_dlq_messages",
      help: "Run requests in the namespace's dead-letter stream",
      registers: [],
      collect: fromSource("deadRuns"),
    });
    this.deadLetters = new Counter({
      name: "troupe_dead_letters_total",
      help: "Dead letters added by runs (dlq.added), by team and kind (run|agent|tool|compensation)",
      labelNames: ["team", "kind"],
      registers,
    });
    this.coordination = new Histogram({
      name: "troupe_coordination_seconds",
      help: "Coordination latency: from run start or an agent's completion to the next agent's start, in a run (checkpoint, routing, lease, bus)",
      labelNames: ["team"],
      buckets: COORDINATION_BUCKETS,
      registers,
    });
  }

  private readonly sources: MetricSources = {};

  /**
   * Where the gauges that are read at scrape time come from: pending approvals (the store), the
   * run queue's lag and dead runs (JetStream). A gauge is exported once it has a source, so a
   * worker does not report a queue it never reads.
   *
   * @example
   * metrics.readFrom({ runQueueLag: () => orchestrator.queue.lag() });
   */
  readFrom(sources: MetricSources): void {
    Object.assign(this.sources, sources);
    const gauges: Array<[keyof MetricSources, string, Gauge]> = [
      ["approvalsPending", "troupe_approvals_pending", this.approvalsPending],
      ["runQueueLag", "troupe_run_queue_lag", this.runQueueLag],
      ["deadRuns", "troupe_run_dlq_messages", this.deadRuns],
    ];
    for (const [key, name, gauge] of gauges)
      if (sources[key] && !this.registry.getSingleMetric(name)) this.registry.registerMetric(gauge);
  }

  private readonly breakers = new Map<string, BreakerState>();

  /** A breaker this process calls through: known as closed until an event says otherwise. */
  breakerSeen(scope: string, name: string): void {
    if (!this.breakers.has(`${scope}:${name}`)) this.breakerChanged(scope, name, "closed", false);
  }

  /** A breaker changed state (a `breaker.*` event). */
  breakerChanged(scope: string, name: string, state: BreakerState, transition = true): void {
    this.breakers.set(`${scope}:${name}`, state);
    this.breakerState.set({ scope, name }, BREAKER_VALUES[state]);
    if (transition) this.breakerTransitions.inc({ scope, name, state });
  }

  /** The exposition text, as `/metrics` serves it. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }
}
