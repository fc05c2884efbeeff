// Tools of the parity specs (custom.yaml, saga.yaml). hold_stock fails with TOOL_TRANSIENT on its
// first PARITY_HOLD_FAILURES attempts per call; book_carrier takes PARITY_CARRIER_MS; both write
// what they do to the JSON-lines file PARITY_LEDGER.
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { defineTool, TroupeError } from "@troupe/core";

function record(entry) {
  if (process.env.PARITY_LEDGER)
    appendFileSync(process.env.PARITY_LEDGER, `${JSON.stringify({ ...entry, pid: process.pid })}\n`);
}

function attemptsOf(key) {
  const file = process.env.PARITY_LEDGER;
  if (!file || !existsSync(file)) return 0;
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((e) => e.action === "attempt" && e.key === key).length;
}

export const countWords = defineTool({
  name: "count_words",
  description: "Counts the words of a text",
  input: z.object({ text: z.string() }),
  idempotent: true,
  run: ({ text }) => ({ words: text.split(/\s+/).filter(Boolean).length }),
});

export const holdStock = defineTool({
  name: "hold_stock",
  description: "Hold the goods of an order in the warehouse",
  input: z.object({ order: z.string() }),
  run: async ({ order }, ctx) => {
    const before = attemptsOf(ctx.idempotencyKey);
    record({ action: "attempt", key: ctx.idempotencyKey });
    if (before < Number(process.env.PARITY_HOLD_FAILURES ?? 0))
      throw new TroupeError("TOOL_TRANSIENT", `the warehouse is busy (attempt ${before + 1})`);
    record({ action: "hold", key: ctx.idempotencyKey });
    return { held: order };
  },
  compensate: async (_input, _output, ctx) => {
    record({ action: "release", key: ctx.idempotencyKey });
  },
});

export const bookCarrier = defineTool({
  name: "book_carrier",
  description: "Book a carrier for an order",
  input: z.object({ order: z.string() }),
  run: async ({ order }, ctx) => {
    await sleep(Number(process.env.PARITY_CARRIER_MS ?? 0), undefined, { signal: ctx.signal });
    record({ action: "book", key: ctx.idempotencyKey });
    return { booked: order };
  },
});
