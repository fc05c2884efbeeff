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

export function record(entry: Omit<LedgerEntry, "at">): void {
  const file = ledgerPath();
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify({ ...entry, at: new Date().toISOString() })}\n`);
}

export function readLedger(file = ledgerPath()): LedgerEntry[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as LedgerEntry);
}
