import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

/** One side effect a tool performed, as the outside world would see it. */
export interface LedgerEntry {
  action: "reserve" | "release" | "charge" | "refund" | "ship";
  order: string;
  key: string;
  at: string;
}

/**
 * The example's "outside world": an append-only JSON-lines file of side effects, so a test (or a
 * person) can count what happened, across processes and crashes. ORDER_LEDGER sets the file.
 */
export function ledgerPath(): string {
  return resolve(process.env.ORDER_LEDGER ?? ".troupe/order-ledger.jsonl");
}

/**
 * Performs one effect, once per idempotency key, as a payments or warehouse API that takes
 * idempotency keys does: a call repeated with the same key (a process killed after the effect but
 * before Troupe recorded the tool's result, then resumed) changes nothing and is noted in
 * `<ledger>.repeats` instead. This is the tool author's side of the contract.
 */
export function record(entry: Omit<LedgerEntry, "at">): void {
  const file = ledgerPath();
  mkdirSync(dirname(file), { recursive: true });
  const line = `${JSON.stringify({ ...entry, at: new Date().toISOString() })}\n`;
  const done = readLedger(file).some((e) => e.key === entry.key && e.action === entry.action);
  appendFileSync(done ? repeatsPath(file) : file, line);
}

/** Calls the outside world recognised as repeats by their idempotency key, and did nothing for. */
export function repeatsPath(file = ledgerPath()): string {
  return `${file}.repeats`;
}

export function readLedger(file = ledgerPath()): LedgerEntry[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LedgerEntry);
}
