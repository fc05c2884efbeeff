import { interrupt } from "@langchain/langgraph";
import type { ApprovalRequest } from "../protocol/agent-protocol.js";
import { parseStored, RecordKeys, writeRecord } from "../records/record-keys.js";
import { ApprovalDecisionSchema } from "../records/record-schemas.js";
import { scoped } from "../stores/record-store.js";
import type { AgentNodeDeps, ApprovalDecision, RunContext } from "./agent-node.js";

/**
 * Asks a person to approve a call (once: a re-run node finds its open approval), interrupts the
 * graph until the decision comes, and records it under the call's key, where the tool contract
 * reads it when the call runs again. The same for an agent's tool call and a graph `tool:` node.
 */
export async function awaitApproval(
  deps: Pick<AgentNodeDeps, "approvals" | "records" | "now">,
  run: RunContext,
  request: ApprovalRequest,
): Promise<ApprovalDecision> {
  const { approval, created } = await deps.approvals.open(request, run, deps.now());
  if (created) {
    run.emit({
      type: "approval.requested",
      approvalId: approval.id,
      tool: approval.tool,
      approver: approval.assignee,
      deadline: approval.deadline,
      reason: approval.reason,
    });
  }
  const resumed: unknown = interrupt({
    kind: "approval",
    approvalId: approval.id,
    tool: approval.tool,
    input: approval.input,
    reason: approval.reason,
  });
  const decision = parseStored(ApprovalDecisionSchema, resumed, `approval decision for ${approval.id}`);
  run.emit({ type: "approval.decided", approvalId: approval.id, approved: decision.approved, by: decision.by });
  await writeRecord(scoped(deps.records, run.threadId), RecordKeys.approval(request.key), decision);
  return decision;
}
