import { describe, expect, it } from "vitest";
import { startAgentLifecycle, type AgentLifecycleState } from "./agent-lifecycle.js";

function lifecycle() {
  const seen: AgentLifecycleState[] = [];
  const actor = startAgentLifecycle((state) => seen.push(state));
  const state = () => String(actor.getSnapshot().value);
  return {
    actor,
    seen,
    state,
    send: (...types: Array<"READY" | "REQUEST" | "DONE" | "DEGRADE" | "RECOVER" | "DRAIN">) =>
      types.forEach((type) => actor.send({ type })),
  };
}

describe("agent lifecycle", () => {
  it("starts, becomes idle when ready, busy while serving, idle when the last request is done", () => {
    const { seen, state, send } = lifecycle();
    expect(seen).toEqual(["starting"]);
    send("READY");
    expect(state()).toBe("idle");
    send("REQUEST", "REQUEST", "DONE");
    expect(state()).toBe("busy");
    send("DONE");
    expect(state()).toBe("idle");
    // each state is reported once per entry, not once per event
    expect(seen).toEqual(["starting", "idle", "busy", "idle"]);
  });

  it("is degraded while a breaker is open and recovers to busy or idle depending on work in flight", () => {
    const { state, send, seen } = lifecycle();
    send("READY", "REQUEST", "DEGRADE");
    expect(state()).toBe("degraded");
    send("REQUEST", "DONE");
    expect(state()).toBe("degraded");
    send("RECOVER");
    expect(state()).toBe("busy");
    send("DONE");
    expect(state()).toBe("idle");
    send("DEGRADE", "RECOVER");
    expect(state()).toBe("idle");
    expect(seen).toEqual(["starting", "idle", "busy", "degraded", "busy", "idle", "degraded", "idle"]);
  });

  it("drains: waits for requests in flight, takes no new ones, then stops", () => {
    const { actor, state, send, seen } = lifecycle();
    send("READY", "REQUEST", "REQUEST", "DRAIN");
    expect(state()).toBe("draining");
    send("REQUEST", "DONE");
    expect(state()).toBe("draining");
    send("DONE");
    expect(state()).toBe("stopped");
    expect(actor.getSnapshot().status).toBe("done");
    expect(seen.slice(-2)).toEqual(["draining", "stopped"]);
  });

  it("stops at once when drained with nothing in flight, from idle, degraded or starting", () => {
    for (const before of [["READY"], ["READY", "DEGRADE"], []] as const) {
      const { state, send, seen } = lifecycle();
      send(...before, "DRAIN");
      expect(state()).toBe("stopped");
      // draining ends in the same step (an eventless transition), so "stopped" is what is heard
      expect(seen.at(-1)).toBe("stopped");
      expect(seen).not.toContain("busy");
    }
  });
});
