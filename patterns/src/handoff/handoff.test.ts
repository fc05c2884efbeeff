import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineAgent,
  isTroupeError,
  jsonSchemaOf,
  memoryStore,
  textOf,
  type ModelRequest,
  type RunResult,
  type TroupeEvent,
} from "@troupe/core";
import { ScriptedModel, assertValidTranscript, transfer, type ScriptedTurn } from "@troupe/testing";
import { handoff } from "../index.js";

const RefundInput = z.object({ orderId: z.string() });

function desk(script: Record<string, ScriptedTurn[]>, limits: { maxTurns?: number; maxTokens?: number } = {}) {
  const model = new ScriptedModel(script);
  const triage = defineAgent({ name: "triage", description: "Sorts requests", instructions: "Route the user.", model });
  const billing = defineAgent({
    name: "billing",
    description: "Charges and invoices",
    instructions: "Handle billing.",
    model,
  });
  const refunds = defineAgent({
    name: "refunds",
    description: "Issues refunds",
    instructions: "Refund orders.",
    model,
    input: RefundInput,
  });
  const tech = defineAgent({ name: "tech", description: "Technical problems", instructions: "Fix things.", model });
  const team = handoff({
    name: "desk",
    entry: triage,
    agents: [billing, refunds, tech],
    handoffs: { triage: [billing, tech], billing: [refunds, triage], refunds: [billing], tech: [triage] },
    limits: { maxTurns: 8, ...limits },
    store: memoryStore(),
  });
  return { team, model };
}

const lastText = (request: ModelRequest) => textOf(request.messages.at(-1));
const lastBlocks = (request: ModelRequest) => request.messages.at(-1)!.content;
const partialOf = (error: unknown) => (error as { details: { result: RunResult } }).details.result;

describe("handoff pattern", () => {
  it("moves the conversation along transfers with the payload, and ends with the answer of the agent that answers", async () => {
    const { team, model } = desk({
      triage: [transfer("billing", "Check the double charge on order A1", "billing question")],
      billing: [transfer("refunds", "Refund the second charge", "a refund is due", { orderId: "A1" })],
      refunds: ["Refunded the second charge on A1."],
    });
    const events: TroupeEvent[] = [];
    for await (const ev of team.stream("I was charged twice for order A1", { threadId: "t1" })) events.push(ev);
    const state = (await team.state("t1"))!;
    expect(state.status).toBe("completed");
    expect(state.output).toBe("Refunded the second charge on A1.");
    expect(state.steps.map((s) => [s.agent, s.directive, s.to])).toEqual([
      ["triage", "handoff", "billing"],
      ["billing", "handoff", "refunds"],
      ["refunds", "finish", undefined],
    ]);
    expect(events.filter((e) => e.type === "handoff").map((e) => e.type === "handoff" && `${e.from}->${e.to}`)).toEqual(
      ["triage->billing", "billing->refunds"],
    );
    expect(state.activeAgent).toBe("refunds");
    expect(textOf(state.messages.at(-1))).toBe("Refunded the second charge on A1.");

    // the receiver gets the conversation, then the task and reason as its task
    const [toBilling] = model.callsBy("billing");
    expect(textOf(toBilling!.messages[0])).toContain("I was charged twice for order A1");
    expect(lastText(toBilling!)).toContain(
      "Check the double charge on order A1\n\nReason for the transfer: billing question",
    );
    expect(toBilling!.system).toContain("triage transferred the conversation to you");
    // the typed input reaches the target, whose schema the sender's transfer tool offers
    expect(lastText(model.callsBy("refunds")[0]!)).toContain('"orderId": "A1"');
    const offered = toBilling!.tools.find((t) => t.name === "transfer_to_refunds")!;
    expect((offered.inputSchema.properties as Record<string, unknown>).input).toEqual(jsonSchemaOf(RefundInput));
    // only the allowed transfers are offered
    expect(model.callsBy("triage")[0]!.tools.map((t) => t.name)).toEqual(["transfer_to_billing", "transfer_to_tech"]);
    model.calls.forEach(assertValidTranscript);
    model.assertAllUsed();
  });

  it("refuses a transfer that handoffs do not allow as a tool error, and the agent carries on", async () => {
    const { team, model } = desk({
      triage: [transfer("refunds", "Refund it"), transfer("billing", "Look at the charge")],
      billing: ["The charge is correct."],
    });
    const result = await team.run("Refund me", { threadId: "t2" });
    expect(result.output).toBe("The charge is correct.");
    expect(result.steps.map((s) => s.agent)).toEqual(["triage", "billing"]);
    const refusal = lastBlocks(model.callsBy("triage")[1]!)[0];
    expect(refusal).toMatchObject({ type: "tool_result", isError: true });
    expect(refusal).toHaveProperty("content", expect.stringMatching(/not allowed from triage; allowed: billing, tech/));
    model.calls.forEach(assertValidTranscript);
    model.assertAllUsed();
  });

  it("sends a typed input that does not fit the target back to the sender as a tool error", async () => {
    const { team, model } = desk({
      triage: [transfer("billing", "Double charge")],
      billing: [
        transfer("refunds", "Refund", "due", { orderId: 42 }),
        transfer("refunds", "Refund", "due", { orderId: "A1" }),
      ],
      refunds: ["Refunded A1."],
    });
    const result = await team.run("Charged twice", { threadId: "t3" });
    expect(result.output).toBe("Refunded A1.");
    expect(result.steps.map((s) => s.agent)).toEqual(["triage", "billing", "billing", "refunds"]);
    const refusal = lastBlocks(model.callsBy("billing")[1]!)[0];
    expect(refusal).toMatchObject({ type: "tool_result", isError: true, content: expect.stringContaining("orderId") });
    expect(model.callsBy("refunds")).toHaveLength(1);
    model.calls.forEach(assertValidTranscript);
  });

  it("stops a ping-pong of transfers at maxTurns with MAX_TURNS_EXCEEDED", async () => {
    const { team, model } = desk(
      {
        triage: Array.from({ length: 5 }, () => transfer("billing", "yours")),
        billing: Array.from({ length: 5 }, () => transfer("triage", "no, yours")),
      },
      { maxTurns: 3 },
    );
    const error = await team.run("Help", { threadId: "t4" }).catch((e: unknown) => e);
    expect(isTroupeError(error, "MAX_TURNS_EXCEEDED")).toBe(true);
    expect(partialOf(error).steps.map((s) => s.agent)).toEqual(["triage", "billing", "triage"]);
    expect(model.calls).toHaveLength(3);
    // the conversation came back to triage: its open transfer is answered first
    expect(lastBlocks(model.callsBy("triage")[1]!)[0]).toMatchObject({
      type: "tool_result",
      content: expect.stringContaining("billing handed the conversation back"),
    });
    model.calls.forEach(assertValidTranscript);
  });

  it("stops at limits.maxTokens with BUDGET_EXCEEDED", async () => {
    const usage = { inputTokens: 100, outputTokens: 50 };
    const { team } = desk(
      {
        triage: [{ toolCalls: [{ name: "transfer_to_billing", input: { task: "t", reason: "r" } }], usage }],
        billing: [{ text: "done", usage }],
      },
      { maxTokens: 200 },
    );
    const error = await team.run("Help", { threadId: "t5" }).catch((e: unknown) => e);
    expect(isTroupeError(error, "BUDGET_EXCEEDED")).toBe(true);
    expect(partialOf(error).steps.map((s) => s.agent)).toEqual(["triage", "billing"]);
  });

  it("continues the thread on the next run: the entry takes each new message and everyone sees the conversation", async () => {
    const { team, model } = desk({
      triage: [
        transfer("billing", "Explain the charge"),
        "Refunds arrive in 3-5 days.",
        transfer("billing", "Send an invoice copy"),
      ],
      billing: ["You were charged twice; a refund is pending.", "Invoice sent."],
    });
    await team.run("Why was I charged twice?", { threadId: "t6" });
    const second = await team.run("When will the refund arrive?", { threadId: "t6" });
    expect(second.output).toBe("Refunds arrive in 3-5 days.");
    expect(second.steps.map((s) => s.agent)).toEqual(["triage"]);
    const triageAgain = model.callsBy("triage")[1]!;
    expect(triageAgain.messages.map(textOf).join("\n")).toContain("You were charged twice; a refund is pending.");
    expect(lastText(triageAgain)).toBe("When will the refund arrive?");

    const third = await team.run("Please send me the invoice", { threadId: "t6" });
    expect(third.output).toBe("Invoice sent.");
    // billing continues its own transcript and catches up on what it missed
    const billingAgain = model.callsBy("billing")[1]!;
    const texts = billingAgain.messages.map(textOf);
    expect(texts.filter((t) => t.includes("a refund is pending"))).toHaveLength(1);
    expect(texts.join("\n")).toContain("Refunds arrive in 3-5 days.");
    expect(lastText(billingAgain)).toContain("Please send me the invoice\nSend an invoice copy");
    const state = (await team.state("t6"))!;
    expect(state.userTurn).toBe(3);
    expect(state.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant", "user", "assistant"]);
    model.calls.forEach(assertValidTranscript);
    model.assertAllUsed();
  });

  it("replays from a mid-run checkpoint with zero model calls", async () => {
    const { team, model } = desk({
      triage: [transfer("billing", "Double charge")],
      billing: [transfer("refunds", "Refund", "due", { orderId: "A1" })],
      refunds: ["Refunded A1."],
    });
    const original = await team.run("Charged twice", { threadId: "t7" });
    const history = await team.history("t7");
    const mid = history.find((c) => c.next.includes("billing"))!;
    expect(mid.agent).toBe("billing");
    const calls = model.calls.length;
    const replayed = await team.replay("t7", { from: mid.checkpointId });
    expect(model.calls.length).toBe(calls);
    expect(replayed.output).toBe(original.output);
    expect(replayed.steps.map((s) => s.agent)).toEqual(["triage", "billing", "refunds"]);
  });
});
