import {
  DocKinds,
  readDoc,
  writeDoc,
  type ErrorInfo,
  type RunState,
  type RunRequestDoc,
  type Team,
  type TeamStore,
  type TroupeEvent,
} from "@troupe/core";
import type { RunEventLog } from "./run-event-log.js";
import type { RunRequest } from "./run-request.js";

/** How a submitted request ended on this delivery. */
export type SubmittedOutcome =
  /** The run reached a state it rests in (completed, failed, cancelled, paused, interrupted), now or earlier. */
  | { kind: "settled"; state: RunState; runId?: string }
  /** The run stopped without settling (store or bus trouble): another delivery resumes it from its checkpoint. */
  | { kind: "unsettled"; error: ErrorInfo; runId?: string }
  /** Paused because this orchestrator is stopping; another one resumes it. */
  | { kind: "handed-off"; runId?: string };

/** Per request, in the store's docs: whether it began, from which user turn, and whether it was handed off. */
type RequestDoc = RunRequestDoc;

/** Doc kind of the per-request bookkeeping, beside the run lifecycle docs. */
export const REQUEST_DOC_KIND = DocKinds.runRequest.kind;
const RESTING: ReadonlySet<string> = new Set(["completed", "failed", "cancelled", "paused", "interrupted"]);
const SETTLING_EVENTS: Readonly<Record<string, RunState>> = {
  "run.completed": "completed",
  "run.cancelled": "cancelled",
  "run.paused": "paused",
  "run.interrupted": "interrupted",
};

export interface RunSubmittedDeps {
  team: Team;
  store: TeamStore;
  log: RunEventLog;
  orchestratorId: string;
  /** True once this orchestrator asked the run to pause so another can take it over. */
  handingOff: () => boolean;
  onEvent?: (event: TroupeEvent) => void;
  /** How long to wait for another holder's lease on the thread before the delivery is retried (default 0). */
  leaseWaitMs?: number;
}

/**
 * Runs a submitted request once, whatever happened to earlier deliveries: starts it, resumes it
 * from its checkpoint when an earlier orchestrator died mid-run (or handed it off), or sees that
 * it already finished and only the ack was lost.
 */
export async function runSubmitted(deps: RunSubmittedDeps, request: RunRequest): Promise<SubmittedOutcome> {
  const { team, store } = deps;
  const { requestId, threadId } = request;
  const write = (doc: RequestDoc) => writeDoc(store.docs, DocKinds.runRequest, requestId, threadId, doc);
  const prior = (await readDoc(store.docs, DocKinds.runRequest, requestId))?.body;
  if (prior?.state === "done") return { kind: "settled", state: prior.outcome ?? "completed" };

  let resume = false;
  if (prior?.state === "started") {
    const status = await team.status(threadId);
    const state = status?.state;
    // running with a live owner elsewhere (resume waits for its lease), or left by an owner that died
    if (state === "running" || state === "compensating" || status?.ownerLost || (state === "paused" && prior.handoff))
      resume = true;
    // a person paused it, or it waits for an approval: the request is served
    else if (state === "paused" || state === "interrupted") return done(write, prior, state);
    // it finished and only the ack was lost
    else if (state && ((await team.state(threadId))?.userTurn ?? 0) > prior.userTurnBefore)
      return done(write, prior, state);
  }
  const base: RequestDoc =
    resume && prior
      ? prior
      : { state: "started", userTurnBefore: (await team.state(threadId))?.userTurn ?? 0, by: "", handoff: false };
  await write({ ...base, by: deps.orchestratorId, handoff: false });

  // a dead owner's lease on another machine lapses after its TTL; a live one makes this delivery retry later
  const wait = { wait: deps.leaseWaitMs ?? 0 };
  const events = resume
    ? team.resumeStream(threadId, undefined, wait)
    : team.stream(request.input, { threadId, ...wait });
  let runId: string | undefined;
  let last: TroupeEvent | undefined;
  for await (const event of events) {
    if (!runId) {
      runId = event.runId;
      await deps.log.announce({ threadId, runId, requestId, by: deps.orchestratorId });
    }
    last = event;
    deps.onEvent?.(event);
  }
  const ran = runId ? { runId } : {};
  // the lifecycle is stored before the run's last event, so one read of the status is enough
  const state = (last && SETTLING_EVENTS[last.type]) ?? (await restingState(team, threadId, runId));
  if (state === "paused" && deps.handingOff()) {
    await write({ ...base, by: deps.orchestratorId, handoff: true });
    return { kind: "handed-off", ...ran };
  }
  if (state) return { ...(await done(write, base, state)), ...ran };
  const error =
    last?.type === "run.failed"
      ? last.error
      : { code: "INTERNAL" as const, message: "the run ended without a result", retryable: true };
  return { kind: "unsettled", error, ...ran };
}

async function done(
  write: (doc: RequestDoc) => Promise<void>,
  doc: RequestDoc,
  state: RunState,
): Promise<SubmittedOutcome> {
  await write({ ...doc, state: "done", outcome: state });
  return { kind: "settled", state };
}

/** The state the run rests in, from the stored lifecycle; undefined if this run never settled. */
async function restingState(team: Team, threadId: string, runId: string | undefined): Promise<RunState | undefined> {
  const status = await team.status(threadId);
  return status && RESTING.has(status.state) && (!runId || status.runId === runId) ? status.state : undefined;
}
