import { z } from "zod";
import { defineTool } from "@troupe/core";

/** Refunds above this many dollars wait for a person. */
export const APPROVAL_THRESHOLD_USD = 100;
/** How long each approver has before the request moves up the escalation path (4 hours). */
export const APPROVAL_SLA_MS = 4 * 60 * 60 * 1000;

const issued: Array<{ order: string; amountUsd: number }> = [];

/** The refunds issued by this process, for tests and the demo. */
export function issuedRefunds(): ReadonlyArray<{ order: string; amountUsd: number }> {
  return issued;
}

/** Reads "$250" and "order 42" out of a free-text request. */
export function parseRefund(request: string): { order: string; amountUsd: number } {
  const amount = Number(
    /\$\s*(\d+(?:\.\d+)?)/.exec(request)?.[1] ?? /(\d+(?:\.\d+)?)\s*(?:usd|dollars)/i.exec(request)?.[1] ?? NaN,
  );
  const order = /order\s*#?\s*(\w+)/i.exec(request)?.[1] ?? "unknown";
  return { order, amountUsd: amount };
}

/** Issues a refund; refunds above the threshold need a support lead's approval, or a manager's once the SLA passes. */
export const issueRefund = defineTool({
  name: "issue_refund",
  description: `Refund a customer. Refunds over $${APPROVAL_THRESHOLD_USD} wait for approval.`,
  input: z.object({ request: z.string().min(1).describe('The refund request, e.g. "Refund $250 for order 42"') }),
  approval: ({ request }) => {
    const { amountUsd, order } = parseRefund(request);
    if (!(amountUsd > APPROVAL_THRESHOLD_USD)) return undefined;
    return {
      reason: `refund of $${amountUsd} for order ${order} is over $${APPROVAL_THRESHOLD_USD}`,
      approvers: ["support_lead", "manager"],
      slaMs: APPROVAL_SLA_MS,
    };
  },
  run: ({ request }) => {
    const refund = parseRefund(request);
    if (!Number.isFinite(refund.amountUsd))
      return { refunded: false, reason: "no amount in the request; ask the customer for it" };
    issued.push(refund);
    return { refunded: true, ...refund };
  },
});
