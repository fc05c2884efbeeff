import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isTroupeError, memoryStore, type TroupeEvent } from "@troupe/core";
import { loadTeam } from "@troupe/patterns";
import { readLedger } from "./ledger.js";

const SPEC = fileURLToPath(new URL("../team.yaml", import.meta.url));

async function runOrder(order: string) {
  const team = await loadTeam(SPEC, { store: memoryStore(), env: {} });
  const events: TroupeEvent[] = [];
  for await (const ev of team.stream(order, { threadId: "order-1" })) events.push(ev);
  const state = await team.state("order-1");
  return { team, events, state, ledger: readLedger().map((e) => e.action) };
}

describe("examples/order-saga", () => {
  beforeEach(() => {
    process.env.ORDER_LEDGER = join(mkdtempSync(join(tmpdir(), "order-")), "ledger.jsonl");
  });
  afterEach(() => {
    delete process.env.ORDER_LEDGER;
    delete process.env.ORDER_FAIL_AT;
  });

  it("reserves, charges and ships an order once each", async () => {
    const { state, ledger } = await runOrder("Order 3 lamps to Berlin");
    expect(state?.status).toBe("completed");
    expect(ledger).toEqual(["reserve", "charge", "ship"]);
  });

  it("when shipping fails, refunds and then releases, in that order, once each", async () => {
    const { state, ledger, events, team } = await runOrder("Order 3 lamps to Atlantis");
    expect(state?.status).toBe("failed");
    expect(state?.error?.code).toBe("TOOL_FAILED");
    expect(ledger).toEqual(["reserve", "charge", "refund", "release"]);
    const saga = events
      .filter((e) => e.type.startsWith("saga."))
      .map((e) => `${e.type}:${(e as { tool: string }).tool}`);
    expect(saga).toEqual([
      "saga.compensating:charge_payment",
      "saga.compensated:charge_payment",
      "saga.compensating:reserve_inventory",
      "saga.compensated:reserve_inventory",
    ]);
    expect(Object.values(state!.compensations)).toEqual(["compensated", "compensated"]);
    expect((await team.status("order-1"))?.state).toBe("failed");
    const letters = await team.deadLetters.list();
    expect(letters.map((l) => [l.kind, l.subject])).toEqual([["agent", "shipping"]]);
  });

  it.each([
    ["reserve", ["reserve"].slice(1)],
    ["charge", ["reserve", "release"]],
    ["ship", ["reserve", "charge", "refund", "release"]],
  ])("a failure at %s undoes exactly the steps before it, last first", async (step, expected) => {
    process.env.ORDER_FAIL_AT = step;
    const { state, ledger } = await runOrder("Order 1 desk to Berlin");
    expect(state?.status).toBe("failed");
    expect(ledger).toEqual(expected);
  });

  it("team.run rejects with the typed error and the partial result", async () => {
    const team = await loadTeam(SPEC, { store: memoryStore(), env: {} });
    const error = await team.run("Order 1 map to Atlantis").catch((e: unknown) => e);
    expect(isTroupeError(error, "TOOL_FAILED")).toBe(true);
    const result = (error as { details: { result: { steps: { agent: string }[] } } }).details.result;
    expect(result.steps.map((s) => s.agent)).toEqual(
      ["order_desk", "inventory", "order_desk", "payments", "order_desk", "shipping"].slice(0, result.steps.length),
    );
  });
});
