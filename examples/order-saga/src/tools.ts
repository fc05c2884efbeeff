import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { defineTool, TroupeError } from "@troupe/core";
import { record } from "./ledger.js";

const Order = z.object({ order: z.string().min(1).describe("The order, e.g. '3 lamps to Berlin'") });

/** Makes one step fail (ORDER_FAIL_AT=reserve|charge|ship), to watch the saga undo the others. */
function maybeFail(action: string, order: string): void {
  if (process.env.ORDER_FAIL_AT === action)
    throw new TroupeError("TOOL_FAILED", `${action} failed for "${order}" (ORDER_FAIL_AT=${action})`);
}

/** Slows a step down so tests can kill the process in the middle of it (ORDER_SLOW_<ACTION>_MS); a cancel aborts the wait. */
async function maybeSlow(action: string, signal: AbortSignal): Promise<void> {
  const ms = Number(process.env[`ORDER_SLOW_${action.toUpperCase()}_MS`] ?? 0);
  if (ms > 0) await sleep(ms, undefined, { signal });
}

/**
 * Stands for a process that dies right after a side effect, before Troupe records the tool's
 * result (ORDER_HANG_AFTER=reserve|charge|ship): the tool never returns, so a test can kill it there.
 */
async function maybeHang(action: string): Promise<void> {
  if (process.env.ORDER_HANG_AFTER === action) await new Promise(() => undefined);
}

/** Reserves stock; released again if the order later fails. */
export const reserveInventory = defineTool({
  name: "reserve_inventory",
  description: "Reserve the stock an order needs",
  input: Order,
  critical: true,
  run: async ({ order }, ctx) => {
    await maybeSlow("reserve", ctx.signal);
    maybeFail("reserve", order);
    record({ action: "reserve", order, key: ctx.idempotencyKey });
    await maybeHang("reserve");
    return { reserved: true, order };
  },
  compensate: async ({ order }, _out, ctx) => {
    await maybeSlow("release", ctx.signal);
    record({ action: "release", order, key: ctx.idempotencyKey });
  },
});

/** Charges the customer; refunded if the order later fails. */
export const chargePayment = defineTool({
  name: "charge_payment",
  description: "Charge the customer's card for an order",
  input: Order,
  critical: true,
  run: async ({ order }, ctx) => {
    await maybeSlow("charge", ctx.signal);
    maybeFail("charge", order);
    record({ action: "charge", order, key: ctx.idempotencyKey });
    await maybeHang("charge");
    return { charged: true, order };
  },
  compensate: async ({ order }, _out, ctx) => {
    await maybeSlow("refund", ctx.signal);
    record({ action: "refund", order, key: ctx.idempotencyKey });
  },
});

/** Ships the order; there is no carrier to Atlantis, so those orders fail here. */
export const shipOrder = defineTool({
  name: "ship_order",
  description: "Hand the order to the carrier",
  input: Order,
  critical: true,
  run: async ({ order }, ctx) => {
    await maybeSlow("ship", ctx.signal);
    maybeFail("ship", order);
    if (/atlantis/i.test(order))
      throw new TroupeError("TOOL_FAILED", `no carrier delivers to the destination of "${order}"`);
    record({ action: "ship", order, key: ctx.idempotencyKey });
    await maybeHang("ship");
    return { shipped: true, order };
  },
});
