import type { ApprovalRequest } from "../protocol/agent-protocol.js";
import { TroupeError } from "../errors.js";
import type { DocStore } from "../stores/record-store.js";
import { DocKinds, listDocs, readDoc, writeDoc } from "./record-keys.js";
import type { Approval } from "./record-schemas.js";

export type { Approval } from "./record-schemas.js";

/**
 * Pending and decided approvals, stored beside the checkpoints so deadlines survive restarts.
 *
 * @example
 * const approvals = new Approvals(store.docs);
 * const escalated = await approvals.escalateOverdue(Date.now());
 */
export class Approvals {
  constructor(private readonly docs: DocStore) {}

  /** Opens an approval for a request (once per request key). Returns it, and whether it is new. */
  async open(
    request: ApprovalRequest,
    ids: { threadId: string; runId: string },
    now: number,
  ): Promise<{ approval: Approval; created: boolean }> {
    const existing = await this.get(request.key);
    if (existing) return { approval: existing, created: false };
    const approval: Approval = {
      ...request,
      id: request.key,
      threadId: ids.threadId,
      runId: ids.runId,
      level: 0,
      assignee: request.approvers[0]!,
      deadline: new Date(now + request.slaMs).toISOString(),
      status: "pending",
      history: [{ at: new Date(now).toISOString(), what: `requested from ${request.approvers[0]}` }],
    };
    await this.save(approval);
    return { approval, created: true };
  }

  async get(id: string): Promise<Approval | undefined> {
    return (await readDoc(this.docs, DocKinds.approval, id))?.body;
  }

  async list(threadId?: string): Promise<Approval[]> {
    return (await listDocs(this.docs, DocKinds.approval, threadId)).map((d) => d.body);
  }

  async pending(threadId?: string): Promise<Approval[]> {
    return (await this.list(threadId)).filter((a) => a.status === "pending");
  }

  /** Moves every overdue approval to its next approver (the last one keeps it). Returns those that moved. */
  async escalateOverdue(now: number): Promise<Array<{ approval: Approval; from: string }>> {
    const moved: Array<{ approval: Approval; from: string }> = [];
    for (const approval of await this.pending()) {
      if (Date.parse(approval.deadline) > now || approval.level >= approval.approvers.length - 1) continue;
      const from = approval.assignee;
      const level = approval.level + 1;
      const next: Approval = {
        ...approval,
        level,
        assignee: approval.approvers[level]!,
        deadline: new Date(now + approval.slaMs).toISOString(),
        history: [
          ...approval.history,
          {
            at: new Date(now).toISOString(),
            what: `escalated from ${from} to ${approval.approvers[level]} (deadline passed)`,
          },
        ],
      };
      await this.save(next);
      moved.push({ approval: next, from });
    }
    return moved;
  }

  /** Records a decision. Only the current assignee or someone later on the escalation path may decide. */
  async decide(
    id: string,
    decision: { approved: boolean; by: string; comment?: string },
    now: number,
  ): Promise<Approval> {
    const approval = await this.get(id);
    if (!approval) throw new TroupeError("THREAD_UNKNOWN", `no approval "${id}"`);
    if (approval.status !== "pending")
      throw new TroupeError(
        "RUN_NOT_RESUMABLE",
        `approval ${id} was already ${approval.status} by ${approval.decidedBy}`,
      );
    const allowed = approval.approvers.slice(approval.level);
    if (!allowed.includes(decision.by)) {
      throw new TroupeError(
        "APPROVAL_REJECTED",
        `${decision.by} may not decide this; it waits for ${approval.assignee}${allowed.length > 1 ? ` (or ${allowed.slice(1).join(", ")})` : ""}`,
      );
    }
    const decided: Approval = {
      ...approval,
      status: decision.approved ? "approved" : "rejected",
      decidedBy: decision.by,
      ...(decision.comment ? { comment: decision.comment } : {}),
      history: [
        ...approval.history,
        { at: new Date(now).toISOString(), what: `${decision.approved ? "approved" : "rejected"} by ${decision.by}` },
      ],
    };
    await this.save(decided);
    return decided;
  }

  /** Withdraws a thread's pending approvals (its run was cancelled). */
  async cancelPending(threadId: string, now: number): Promise<void> {
    for (const approval of await this.pending(threadId)) {
      await this.save({
        ...approval,
        status: "cancelled",
        history: [...approval.history, { at: new Date(now).toISOString(), what: "withdrawn: the run was cancelled" }],
      });
    }
  }

  private save(approval: Approval): Promise<void> {
    return writeDoc(this.docs, DocKinds.approval, approval.id, approval.threadId, approval);
  }
}
