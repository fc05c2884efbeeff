import type { CompensateRequest } from "../bus/agent-client.js";
import type { Bus } from "../bus/bus.js";
import { TroupeError } from "../errors.js";
import type { ApprovalDecision } from "../graph/agent-node.js";
import type { RunnableTeamGraph } from "../graph/define-pattern.js";
import type { TroupeEvent } from "../protocol/events.js";
import type { Approval, Approvals } from "../records/approvals.js";
import type { DeadLetter, DeadLetters } from "../records/dead-letters.js";
import type { UndoStep } from "./compensator.js";
import type { Execution, Work } from "./run-work.js";
import type { RunResult } from "./run-result.js";
import type { RunOptions, RunService } from "./run-service.js";
import { finishRun, runStream, type RunStream } from "./run-stream.js";
import type { ThreadService } from "./thread-service.js";

/** A person's decision on a pending approval; `approvalId` picks one when a thread waits for several. */
export interface DecideOptions extends ApprovalDecision {
  approvalId?: string;
}

export interface OversightDeps {
  runs: RunService;
  threads: ThreadService;
  graph: RunnableTeamGraph;
  bus: Bus;
  approvals: Approvals;
  deadLetters: DeadLetters;
  undo: UndoStep;
  now: () => number;
  serve(): Promise<unknown>;
}

/** What people do about a team's runs: decide and escalate approvals, redrive dead letters. */
export class Oversight {
  constructor(private readonly deps: OversightDeps) {}

  async decide(threadId: string, decision: DecideOptions, options: Pick<RunOptions, "wait"> = {}): Promise<RunResult> {
    return finishRun(await this.startDecision(threadId, decision, options));
  }

  decideStream(threadId: string, decision: DecideOptions, options: Omit<RunOptions, "threadId"> = {}): RunStream {
    return runStream(this.startDecision(threadId, decision, options), options.onBreak);
  }

  async escalateOverdue(): Promise<Array<{ approval: Approval; from: string }>> {
    const moved = await this.deps.approvals.escalateOverdue(this.deps.now());
    for (const { approval, from } of moved) {
      await this.deps.bus.publish("approvals", {
        type: "approval.escalated",
        approvalId: approval.id,
        threadId: approval.threadId,
        from,
        to: approval.assignee,
        deadline: approval.deadline,
      });
    }
    return moved;
  }

  async redrive(id: string, options: Pick<RunOptions, "wait"> = {}): Promise<RunResult | { compensated: true }> {
    const { deadLetters } = this.deps;
    const letter = await deadLetters.get(id);
    if (!letter) throw new TroupeError("DEAD_LETTER_UNKNOWN", `no dead letter "${id}"; list them with troupe dlq list`);
    if (letter.status !== "open")
      throw new TroupeError("DEAD_LETTER_UNKNOWN", `dead letter "${id}" was already redriven`);
    await this.deps.serve();
    if (letter.kind === "compensation") {
      const step = letter.input as CompensateRequest["step"];
      await this.deps.undo({ runId: letter.runId, threadId: letter.threadId, step });
      await this.deps.graph.updateState(
        { configurable: { thread_id: letter.threadId } },
        { compensations: { [step.key]: "compensated" } },
      );
      await deadLetters.markRedriven(id);
      return { compensated: true };
    }
    const run = this.deps.runs.start(await this.redriveWork(letter), letter.threadId, options);
    // marked once the redriven run holds the thread (a THREAD_BUSY refusal leaves the letter open);
    // from then on a new failure is a new dead letter
    async function* marking(): AsyncIterable<TroupeEvent> {
      let marked = false;
      for await (const event of run.events) {
        if (!marked && event.type === "run.started") {
          await deadLetters.markRedriven(id);
          marked = true;
        }
        yield event;
      }
    }
    return finishRun({ ...run, events: marking() });
  }

  private async startDecision(
    threadId: string,
    { approvalId, ...decision }: DecideOptions,
    options: Omit<RunOptions, "threadId">,
  ): Promise<Execution> {
    await this.escalateOverdue();
    return this.deps.runs.start(
      { kind: "approve", ...(approvalId ? { approvalId } : {}), decision },
      threadId,
      options,
    );
  }

  /** Where a failed agent call is retried from: its own checkpoint, or the turn's start when the saga was undone. */
  private async redriveWork(letter: DeadLetter): Promise<Work> {
    const history = await this.deps.threads.history(letter.threadId);
    const state = await this.deps.threads.state(letter.threadId);
    const undone = Object.values(state?.compensations ?? {}).length > 0;
    const before = [...history].reverse().find((c) => c.next.includes(letter.subject));
    const start = [...history].reverse().find((c) => c.source === "input");
    if (undone || !before)
      return { kind: "redrive", from: (start ?? history[0]!).checkpointId, keySuffix: `:redrive-${letter.id}` };
    return { kind: "redrive", from: before.checkpointId, keySuffix: "" };
  }
}
