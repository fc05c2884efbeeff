import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isTroupeError, memoryStore, type TeamStore, type TroupeEvent } from "@troupe/core";
import { sqliteStore } from "@troupe/store-sqlite";
import { loadTeam } from "@troupe/patterns";

const SPEC = fileURLToPath(new URL("../team.yaml", import.meta.url));
const HOUR = 60 * 60 * 1000;

function fakeClock(start = Date.parse("2026-01-05T09:00:00Z")) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

async function desk(store: TeamStore, clock: ReturnType<typeof fakeClock>) {
  return loadTeam(SPEC, { store, env: {}, clock: clock.now });
}

function refundsIn(events: TroupeEvent[]) {
  return events.filter(
    (e) =>
      e.type === "tool.called" &&
      e.tool === "issue_refund" &&
      (e.output as { refunded?: boolean } | undefined)?.refunded,
  );
}

describe("examples/approval", () => {
  it("a small refund needs no approval", async () => {
    const team = await desk(memoryStore(), fakeClock());
    const events: TroupeEvent[] = [];
    for await (const ev of team.stream("Refund $40 for order 7", { threadId: "small" })) events.push(ev);
    expect((await team.result("small"))?.status).toBe("completed");
    expect(refundsIn(events)).toHaveLength(1);
    expect(events.some((e) => e.type === "approval.requested")).toBe(false);
  });

  it("a large refund waits for the support lead, escalates to the manager after the SLA, and runs once approved", async () => {
    const clock = fakeClock();
    const team = await desk(memoryStore(), clock);
    const events: TroupeEvent[] = [];
    for await (const ev of team.stream("Refund $250 for order 42", { threadId: "big" })) events.push(ev);
    const requested = events.find((e) => e.type === "approval.requested");
    expect(requested).toMatchObject({
      approver: "support_lead",
      deadline: new Date(clock.now() + 4 * HOUR).toISOString(),
    });
    expect((await team.result("big"))?.status).toBe("interrupted");
    expect(refundsIn(events)).toHaveLength(0);

    clock.advance(3 * HOUR);
    expect(await team.escalateOverdue()).toHaveLength(0);
    clock.advance(1 * HOUR + 1);
    const moved = await team.escalateOverdue();
    expect(moved.map((m) => [m.from, m.approval.assignee])).toEqual([["support_lead", "manager"]]);

    const late = await team.decide("big", { approved: true, by: "support_lead" }).catch((e: unknown) => e);
    expect(isTroupeError(late, "APPROVAL_REJECTED")).toBe(true);

    const resumed: TroupeEvent[] = [];
    const [pending] = await team.approvals.pending("big");
    await team.approvals.decide(pending!.id, { approved: true, by: "manager" }, clock.now());
    for await (const ev of team.resumeStream("big", { approved: true, by: "manager" })) resumed.push(ev);
    expect((await team.result("big"))?.status).toBe("completed");
    expect(refundsIn(resumed)).toHaveLength(1);
    const approval = await team.approvals.get(pending!.id);
    expect(approval?.history.map((h) => h.what)).toEqual([
      "requested from support_lead",
      "escalated from support_lead to manager (deadline passed)",
      "approved by manager",
    ]);
  });

  it("a rejection reaches the agent as a refused call and no refund is issued", async () => {
    const team = await desk(memoryStore(), fakeClock());
    await team.run("Refund $500 for order 9", { threadId: "no" });
    const result = await team.decide("no", { approved: false, by: "support_lead", comment: "needs a receipt" });
    expect(result.status).toBe("completed");
    expect(String(result.output)).toContain("rejected");
    expect(String(result.output)).toContain("needs a receipt");
  });

  it("the deadline survives a restart: a new process escalates and resumes from the stored approval", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "approval-")), "store.sqlite");
    const clock = fakeClock();
    const first = await desk(sqliteStore(file), clock);
    await first.run("Refund $300 for order 11", { threadId: "restart" });
    await first.close();

    clock.advance(5 * HOUR);
    const second = await desk(sqliteStore(file), clock);
    expect((await second.status("restart"))?.state).toBe("interrupted");
    expect((await second.escalateOverdue()).map((m) => m.approval.assignee)).toEqual(["manager"]);
    const result = await second.decide("restart", { approved: true, by: "manager" });
    expect(result.status).toBe("completed");
    expect(result.steps.map((s) => s.agent)).toEqual(["support", "refunds", "support"]);
    await second.close();
  });
});
