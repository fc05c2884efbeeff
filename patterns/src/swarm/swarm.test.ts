import { describe, expect, it } from "vitest";
import { defineAgent, isTroupeError, memoryStore, textOf, type TeamStore } from "@troupe/core";
import { ScriptedModel, assertValidTranscript, transfer, type ScriptedTurn } from "@troupe/testing";
import { swarm } from "../index.js";

/** A travel swarm; each call is like a fresh process: new agents, new model, the same store. */
function travel(
  store: TeamStore,
  script: Record<string, ScriptedTurn[]>,
  options: { handoffs?: Record<string, string[]>; maxTurns?: number } = {},
) {
  const model = new ScriptedModel(script);
  const flights = defineAgent({ name: "flights", description: "Books flights", instructions: "Book flights.", model });
  const hotels = defineAgent({ name: "hotels", description: "Books hotels", instructions: "Book hotels.", model });
  const cars = defineAgent({ name: "cars", description: "Rents cars", instructions: "Rent cars.", model });
  const team = swarm({
    name: "travel",
    entry: flights,
    agents: [hotels, cars],
    ...(options.handoffs ? { handoffs: options.handoffs } : {}),
    limits: { maxTurns: options.maxTurns ?? 8 },
    store,
  });
  return { team, model };
}

describe("swarm pattern", () => {
  it("lets every agent transfer to every other by default and ends with the answering agent", async () => {
    const { team, model } = travel(memoryStore(), {
      flights: [transfer("hotels", "Find a hotel in Oslo for 2 nights", "hotel request")],
      hotels: [transfer("cars", "Rent a car at the hotel", "also needs a car")],
      cars: ["Booked a car at Hotel Nord."],
    });
    const result = await team.run("Hotel and a car in Oslo, please", { threadId: "s1" });
    expect(result.output).toBe("Booked a car at Hotel Nord.");
    expect(result.steps.map((s) => s.agent)).toEqual(["flights", "hotels", "cars"]);
    expect(model.callsBy("flights")[0]!.tools.map((t) => t.name)).toEqual(["transfer_to_hotels", "transfer_to_cars"]);
    expect(model.callsBy("cars")[0]!.tools.map((t) => t.name)).toEqual(["transfer_to_flights", "transfer_to_hotels"]);
    expect(textOf(model.callsBy("cars")[0]!.messages.at(-1))).toContain(
      "Rent a car at the hotel\n\nReason for the transfer: also needs a car",
    );
    model.calls.forEach(assertValidTranscript);
    model.assertAllUsed();
  });

  it("starts the next user turn of a thread with the agent active last, in a new process", async () => {
    const store = memoryStore();
    const first = travel(store, {
      flights: [transfer("hotels", "Find a hotel in Oslo")],
      hotels: ["Hotel Nord has a room. Shall I book it?"],
    });
    await first.team.run("I need a hotel in Oslo", { threadId: "s2" });
    expect((await first.team.state("s2"))!.activeAgent).toBe("hotels");

    const second = travel(store, { hotels: ["Booked Hotel Nord for 2 nights."] });
    const result = await second.team.run("Yes, book it", { threadId: "s2" });
    expect(result.output).toBe("Booked Hotel Nord for 2 nights.");
    expect(result.steps.map((s) => s.agent)).toEqual(["hotels"]);
    expect(second.model.callsBy("flights")).toHaveLength(0);
    const request = second.model.callsBy("hotels")[0]!;
    expect(request.messages.map(textOf)).toEqual([
      "I need a hotel in Oslo\nFind a hotel in Oslo\n\nReason for the transfer: better suited",
      "Hotel Nord has a room. Shall I book it?",
      "Yes, book it",
    ]);

    // transferring back hands the conversation to flights, whose old transfer call gets its answer
    const third = travel(store, {
      hotels: [transfer("flights", "Book the flight to Oslo")],
      flights: ["Booked flight SK 123."],
    });
    const back = await third.team.run("Now the flight", { threadId: "s2" });
    expect(back.steps.map((s) => s.agent)).toEqual(["hotels", "flights"]);
    const flights = third.model.callsBy("flights")[0]!;
    expect(flights.messages[2]!.content[0]).toMatchObject({
      type: "tool_result",
      content: expect.stringContaining("hotels handed the conversation back"),
    });
    expect((await third.team.state("s2"))!.activeAgent).toBe("flights");
    [...second.model.calls, ...third.model.calls].forEach(assertValidTranscript);
  });

  it("keeps the agent a failed run handed the conversation to as the next turn's starting agent", async () => {
    const store = memoryStore();
    const loop = travel(
      store,
      { flights: [transfer("hotels", "yours")], hotels: [transfer("cars", "yours")] },
      { maxTurns: 2 },
    );
    const error = await loop.team.run("Plan my trip", { threadId: "s3" }).catch((e: unknown) => e);
    expect(isTroupeError(error, "MAX_TURNS_EXCEEDED")).toBe(true);
    const next = travel(store, { cars: ["A car is waiting at the airport."] });
    const result = await next.team.run("Just the car then", { threadId: "s3" });
    expect(result.output).toBe("A car is waiting at the airport.");
    next.model.calls.forEach(assertValidTranscript);
  });

  it("refuses a transfer that handoffs do not allow", async () => {
    const handoffs = { flights: ["hotels"], hotels: ["flights", "cars"], cars: ["hotels"] };
    const { team, model } = travel(
      memoryStore(),
      { flights: [transfer("cars", "Rent a car"), "I only do flights and hotels from here."] },
      { handoffs },
    );
    const result = await team.run("A car, please", { threadId: "s4" });
    expect(result.steps.map((s) => s.agent)).toEqual(["flights"]);
    expect(model.callsBy("flights")[1]!.messages.at(-1)!.content[0]).toMatchObject({
      type: "tool_result",
      isError: true,
      content: expect.stringContaining("allowed: hotels"),
    });
    model.calls.forEach(assertValidTranscript);
  });

  it("replays from a mid-run checkpoint with zero model calls", async () => {
    const { team, model } = travel(memoryStore(), {
      flights: [transfer("hotels", "Hotel please")],
      hotels: [transfer("cars", "Car please")],
      cars: ["Car booked."],
    });
    await team.run("Hotel and car", { threadId: "s5" });
    const mid = (await team.history("s5")).find((c) => c.next.includes("cars"))!;
    const calls = model.calls.length;
    const replayed = await team.replay("s5", { from: mid.checkpointId });
    expect(model.calls.length).toBe(calls);
    expect(replayed.output).toBe("Car booked.");
    expect(replayed.steps.map((s) => s.agent)).toEqual(["flights", "hotels", "cars"]);
  });
});
