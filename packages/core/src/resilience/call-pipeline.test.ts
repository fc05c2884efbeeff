import { afterEach, describe, expect, it } from "vitest";
import { isTroupeError, TroupeError } from "../errors.js";
import type { EventBody } from "../protocol/events.js";
import { ResilienceSchema } from "../protocol/resilience-policy.js";
import { callPipeline } from "./call-pipeline.js";
import { BreakerRegistry } from "./circuit-breakers.js";
import { compose, type CallInfo, type Interceptor } from "./interceptor.js";

const serverError = () => new TroupeError("MODEL_SERVER_ERROR", "upstream 500");

function callOf(kind: CallInfo["kind"], name: string) {
  const events: EventBody[] = [];
  const call: CallInfo = { kind, name, attempt: 0, emit: (e) => events.push(e) };
  return { call, events };
}

describe("compose", () => {
  it("runs the first interceptor outermost, passes a changed call inward, and turns a synchronous throw into a rejection", async () => {
    const order: string[] = [];
    const tag =
      (label: string): Interceptor =>
      async (call, next) => {
        order.push(`${label}>`);
        const value = await next({ ...call, name: `${call.name}/${label}` });
        order.push(`<${label}`);
        return value;
      };
    const { call } = callOf("tool", "t");
    expect(await compose([tag("a"), tag("b")])(call, async (c) => c.name)).toBe("t/a/b");
    expect(order).toEqual(["a>", "b>", "<b", "<a"]);

    const throwing: Interceptor = () => {
      throw new TroupeError("TOOL_FAILED", "refused");
    };
    const pending = compose([throwing])(call, async () => "never");
    await expect(pending).rejects.toMatchObject({ code: "TOOL_FAILED" });
  });
});

describe("callPipeline", () => {
  let breakers: BreakerRegistry | undefined;
  afterEach(() => breakers?.shutdown());

  it("with maxRetries: 0 makes exactly one attempt", async () => {
    const resilience = ResilienceSchema.parse({ retry: { maxRetries: 0 } });
    const { call, events } = callOf("agent", "worker");
    let attempts = 0;
    const error = await callPipeline("agent", "worker", { resilience })(call, async () => {
      attempts++;
      throw serverError();
    }).catch((e: unknown) => e);
    expect(isTroupeError(error, "MODEL_SERVER_ERROR")).toBe(true);
    expect(attempts).toBe(1);
    expect(events).toEqual([]);
  });

  it("calls a model's fallback client directly: the model's retry and breaker apply to the primary only", async () => {
    const resilience = ResilienceSchema.parse({
      models: { primary: { retry: { maxRetries: 1, baseDelayMs: 0 }, breaker: { volumeThreshold: 100 } } },
    });
    breakers = new BreakerRegistry(resilience.breaker);
    const { call, events } = callOf("model", "primary");
    const seen: Array<[string, number, string | undefined]> = [];
    const watch: Interceptor = (c, next) => (seen.push([c.name, c.attempt, c.fallbackFrom]), next());
    const pipeline = callPipeline(
      "model",
      "primary",
      { resilience, breakers, interceptors: [watch] },
      { fallback: "spare" },
    );
    const answer = await pipeline(call, async (c) => {
      if (c.name === "primary") throw serverError();
      return `answered by ${c.name}`;
    });
    expect(answer).toBe("answered by spare");
    expect(seen).toEqual([
      ["primary", 0, undefined],
      ["primary", 1, undefined],
      ["spare", 0, "primary"],
    ]);
    expect(events.map((e) => e.type)).toEqual(["retry", "fallback"]);
    expect(breakers.state("model", "primary")).toBe("closed");
    expect(breakers.state("model", "spare")).toBeUndefined();
  });

  it("gives a tool that is not idempotent no default retries, but its own policy applies", async () => {
    const resilience = ResilienceSchema.parse({ retry: { maxRetries: 3, baseDelayMs: 0 } });
    const flaky = () => {
      let attempts = 0;
      const work = async () => {
        attempts++;
        throw new TroupeError("TOOL_TRANSIENT", "busy");
      };
      return { work, attempts: () => attempts };
    };
    const plain = flaky();
    await callPipeline("tool", "charge", { resilience })(callOf("tool", "charge").call, plain.work).catch(() => {});
    expect(plain.attempts()).toBe(1);
    const idempotent = flaky();
    await callPipeline(
      "tool",
      "charge",
      { resilience },
      { idempotent: true },
    )(callOf("tool", "charge").call, idempotent.work).catch(() => {});
    expect(idempotent.attempts()).toBe(4);
    const own = flaky();
    const withOwn = ResilienceSchema.parse({ tools: { charge: { retry: { maxRetries: 1, baseDelayMs: 0 } } } });
    await callPipeline("tool", "charge", { resilience: withOwn })(callOf("tool", "charge").call, own.work).catch(
      () => {},
    );
    expect(own.attempts()).toBe(2);
  });
});
