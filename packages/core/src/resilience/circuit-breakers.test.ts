import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { BreakerRegistry, type BreakerScope, type BreakerState } from "./circuit-breakers.js";
import { isTroupeError, TroupeError } from "../errors.js";
import { ResilienceSchema } from "../protocol/resilience-policy.js";
import { breakerPolicy } from "./policy-lookup.js";

const serverError = () => new TroupeError("MODEL_SERVER_ERROR", "upstream 500");
const badRequest = () => new TroupeError("MODEL_BAD_REQUEST", "400: bad input");

/** Runs `work` through the breaker and returns what it settled with (value or error). */
async function settle<T>(
  breakers: BreakerRegistry,
  work: () => Promise<T>,
  listener?: (scope: BreakerScope, name: string, state: BreakerState) => void,
): Promise<{ value?: T; error?: unknown }> {
  return breakers.call("agent", "worker", work, listener).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

describe("BreakerRegistry", () => {
  let breakers: BreakerRegistry;
  afterEach(() => breakers.shutdown());

  it("opens once retryable failures pass the threshold within the volume, and then fails fast with BREAKER_OPEN without calling the work", async () => {
    breakers = new BreakerRegistry({ volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 });
    let calls = 0;
    const failing = async () => {
      calls++;
      throw serverError();
    };
    for (let i = 0; i < 2; i++) {
      const { error } = await settle(breakers, failing);
      expect(isTroupeError(error, "MODEL_SERVER_ERROR")).toBe(true);
      // below volumeThreshold the breaker never opens, however bad the rate
      expect(breakers.state("agent", "worker")).toBe("closed");
    }
    await settle(breakers, failing);
    expect(breakers.state("agent", "worker")).toBe("opened");
    expect(calls).toBe(3);

    const { error } = await settle(breakers, async () => {
      calls++;
      return "never";
    });
    expect(isTroupeError(error, "BREAKER_OPEN")).toBe(true);
    expect((error as TroupeError).details).toEqual({ scope: "agent", name: "worker" });
    expect((error as TroupeError).retryable).toBe(false);
    expect(calls).toBe(3);
  });

  it("does not open when failures stay at or under errorThresholdPercentage", async () => {
    breakers = new BreakerRegistry({ volumeThreshold: 4, errorThresholdPercentage: 50 });
    for (const fails of [true, false, true, false, false, true]) {
      await settle(breakers, async () => {
        if (fails) throw serverError();
        return "ok";
      });
    }
    // 3 failures in 6 calls is 50%, not over 50%
    expect(breakers.state("agent", "worker")).toBe("closed");
  });

  it("does not count non-retryable errors (400s, validation): they pass through and the breaker stays closed", async () => {
    breakers = new BreakerRegistry({ volumeThreshold: 2, errorThresholdPercentage: 10 });
    for (let i = 0; i < 6; i++) {
      const { error } = await settle(breakers, async () => {
        throw badRequest();
      });
      expect(isTroupeError(error, "MODEL_BAD_REQUEST")).toBe(true);
    }
    await settle(breakers, async () => {
      throw new TroupeError("OUTPUT_INVALID", "bad answer");
    });
    expect(breakers.state("agent", "worker")).toBe("closed");
    expect(await settle(breakers, async () => "still served")).toEqual({ value: "still served" });
  });

  it("goes half-open after resetTimeoutMs; a successful trial call closes it; the listener hears opened, half_open, closed", async () => {
    breakers = new BreakerRegistry({ volumeThreshold: 1, resetTimeoutMs: 50 });
    const heard: string[] = [];
    const listener = (scope: BreakerScope, name: string, state: BreakerState) =>
      heard.push(`${scope}:${name}:${state}`);
    await settle(breakers, async () => Promise.reject(serverError()), listener);
    expect(breakers.state("agent", "worker")).toBe("opened");
    expect(heard).toEqual(["agent:worker:opened"]);

    await sleep(120);
    expect(breakers.state("agent", "worker")).toBe("half_open");
    expect(heard).toEqual(["agent:worker:opened", "agent:worker:half_open"]);

    expect(await settle(breakers, async () => "recovered", listener)).toEqual({ value: "recovered" });
    expect(breakers.state("agent", "worker")).toBe("closed");
    expect(heard).toEqual(["agent:worker:opened", "agent:worker:half_open", "agent:worker:closed"]);
  });

  it("a failed trial call in half-open opens it again", async () => {
    breakers = new BreakerRegistry({ volumeThreshold: 1, resetTimeoutMs: 40 });
    const heard: BreakerState[] = [];
    const listener = (_scope: BreakerScope, _name: string, state: BreakerState) => heard.push(state);
    await settle(breakers, async () => Promise.reject(serverError()), listener);
    await sleep(100);
    await settle(breakers, async () => Promise.reject(serverError()), listener);
    expect(breakers.state("agent", "worker")).toBe("opened");
    expect(heard).toEqual(["opened", "half_open", "opened"]);
  });

  it("counts a call slower than timeoutMs as a failure and reports it typed by scope", async () => {
    breakers = new BreakerRegistry({ volumeThreshold: 2, timeoutMs: 20, resetTimeoutMs: 60_000 });
    const slow = () => sleep(200).then(() => "late");
    const first = await breakers.call("model", "claude", slow).catch((e: unknown) => e);
    expect(isTroupeError(first, "MODEL_TIMEOUT")).toBe(true);
    const second = await breakers.call("agent", "writer", slow).catch((e: unknown) => e);
    expect(isTroupeError(second, "AGENT_TIMEOUT")).toBe(true);
    await breakers.call("model", "claude", slow).catch(() => undefined);
    expect(breakers.state("model", "claude")).toBe("opened");
  });

  it("keeps one breaker per scope and name, applies overrides, and skips the breaker when the override is false", async () => {
    breakers = new BreakerRegistry({ volumeThreshold: 1 }, (scope, name) =>
      scope === "tool" && name === "search" ? false : name === "sturdy" ? { volumeThreshold: 100 } : undefined,
    );
    await breakers.call("model", "flaky", async () => Promise.reject(serverError())).catch(() => undefined);
    expect(breakers.state("model", "flaky")).toBe("opened");
    expect(breakers.state("agent", "flaky")).toBeUndefined();
    expect(await breakers.call("agent", "flaky", async () => "other scope")).toBe("other scope");

    await breakers.call("agent", "sturdy", async () => Promise.reject(serverError())).catch(() => undefined);
    expect(breakers.state("agent", "sturdy")).toBe("closed");

    for (let i = 0; i < 3; i++)
      await breakers.call("tool", "search", async () => Promise.reject(serverError())).catch(() => undefined);
    expect(breakers.state("tool", "search")).toBeUndefined();
    expect(await breakers.call("tool", "search", async () => "unguarded")).toBe("unguarded");
  });

  it("takes per-agent, tool and model settings from the resilience block (breakerPolicy)", () => {
    const resilience = ResilienceSchema.parse({
      agents: { writer: { breaker: { volumeThreshold: 2 }, timeoutMs: 5000 } },
      tools: { search: { breaker: false, timeoutMs: 100 }, fetch_page: { timeoutMs: 250 } },
      models: { "claude-sonnet-4-6": { timeoutMs: 9000, breaker: { volumeThreshold: 3 } } },
    });
    expect(breakerPolicy(resilience, "agent", "writer")).toMatchObject({ volumeThreshold: 2 });
    // an agent's timeoutMs is a request deadline, not a breaker timeout
    expect(breakerPolicy(resilience, "agent", "writer")).not.toHaveProperty("timeoutMs");
    expect(breakerPolicy(resilience, "agent", "reader")).toBeUndefined();
    expect(breakerPolicy(resilience, "tool", "search")).toBe(false);
    // a tool's timeoutMs aborts the attempt in callTool; the breaker only counts the failure
    expect(breakerPolicy(resilience, "tool", "fetch_page")).toBeUndefined();
    expect(breakerPolicy(resilience, "model", "anthropic:claude-sonnet-4-6")).toMatchObject({
      volumeThreshold: 3,
      timeoutMs: 9000,
    });
  });
});
