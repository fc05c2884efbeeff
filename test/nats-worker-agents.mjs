// Agents for `troupe worker --agents test/nats-worker-agents.mjs` in test/nats-distributed.int.test.ts:
// the order-saga desks (same names and tools as examples/order-saga/team.yaml), defined in code so a
// worker process hosts them. Uses the built packages (npm run build).
import { defineAgent } from "@troupe/core";
import { chargePayment, reserveInventory, shipOrder } from "../examples/order-saga/dist/tools.js";

export const orderDesk = defineAgent({
  name: "order_desk",
  description: "Takes an order and has each desk do its step, in order",
  instructions:
    "Fulfil the order: ask inventory to reserve it, then payments to charge it, then shipping to ship it. Finish with a one-line status of the order.",
});
export const inventory = defineAgent({
  name: "inventory",
  description: "Reserves stock for orders",
  instructions: "Reserve the stock the order needs with reserve_inventory.",
  tools: [reserveInventory],
});
export const payments = defineAgent({
  name: "payments",
  description: "Charges customers for orders",
  instructions: "Charge the order with charge_payment.",
  tools: [chargePayment],
});
export const shipping = defineAgent({
  name: "shipping",
  description: "Ships orders",
  instructions: "Ship the order with ship_order.",
  tools: [shipOrder],
});
