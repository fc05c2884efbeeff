import { afterEach, describe, expect, it, vi } from "vitest";
import { isTroupeError, TroupeError, type ErrorCode } from "../errors.js";
import { sleep, withRetry, type RetryInfo } from "./retry.js";

/** Work that fails with the given errors in turn, then answers "done". */
function failing(...errors: Error[]) {
  const attempts: number[] = [];
  const work = async (attempt: number) => {
    attempts.push(attempt);
    const error = errors[attempts.length - 1];
    if (error) throw error;
    return "done";
  };
  return { work, attempts };
}

describe("withRetry", () => {
  afterEach(() => vi.restoreAllMocks());

  it("retries a rate limit (429) and server errors, then returns the answer; onRetry hears each retry", async () => {
    const { work, attempts } = failing(
      new TroupeError("MODEL_RATE_LIMITED", "429"),
      new TroupeError("MODEL_SERVER_ERROR", "503"),
    );
    const retries: RetryInfo[] = [];
    expect(await withRetry(work, { maxRetries: 3, baseDelayMs: 1 }, (r) => retries.push(r))).toBe("done");
    expect(attempts).toEqual([0, 1, 2]);
    expect(retries.map((r) => [r.attempt, (r.error as TroupeError).code])).toEqual([
      [1, "MODEL_RATE_LIMITED"],
      [2, "MODEL_SERVER_ERROR"],
    ]);
  });

  it.each<ErrorCode>([
    "MODEL_BAD_REQUEST",
    "OUTPUT_INVALID",
    "BUDGET_EXCEEDED",
    "MODEL_AUTH",
    "TOOL_INPUT_INVALID",
    "BREAKER_OPEN",
  ])("does not retry %s", async (code) => {
    const { work, attempts } = failing(new TroupeError(code, "final"));
    const onRetry = vi.fn();
    const error = await withRetry(work, { maxRetries: 5, baseDelayMs: 1 }, onRetry).catch((e: unknown) => e);
    expect(isTroupeError(error, code)).toBe(true);
    expect(attempts).toEqual([0]);
    expect(onRetry).not.toHaveBeenCalled();
  });

  it("wraps an untyped throw as INTERNAL and does not retry it", async () => {
    const { work, attempts } = failing(new Error("boom"));
    const error = await withRetry(work, { maxRetries: 2, baseDelayMs: 1 }).catch((e: unknown) => e);
    expect(isTroupeError(error, "INTERNAL")).toBe(true);
    expect((error as TroupeError).cause).toBeInstanceOf(Error);
    expect(attempts).toEqual([0]);
  });

  it("makes maxRetries + 1 attempts, then rethrows the last error", async () => {
    const errors = [1, 2, 3, 4, 5].map((n) => new TroupeError("MODEL_OVERLOADED", `overloaded ${n}`));
    const { work, attempts } = failing(...errors);
    const onRetry = vi.fn();
    const error = await withRetry(work, { maxRetries: 2, baseDelayMs: 0 }, onRetry).catch((e: unknown) => e);
    expect(attempts).toEqual([0, 1, 2]);
    expect(onRetry).toHaveBeenCalledTimes(2);
    expect((error as TroupeError).message).toBe("overloaded 3");

    const none = failing(new TroupeError("MODEL_OVERLOADED", "once"));
    await expect(withRetry(none.work, { maxRetries: 0 })).rejects.toThrow("once");
    expect(none.attempts).toEqual([0]);
  });

  it("backs off exponentially from baseDelayMs with full jitter, capped at maxDelayMs", async () => {
    vi.spyOn(Math, "random").mockReturnValue(1);
    const errors = [1, 2, 3, 4].map(() => new TroupeError("MODEL_CONNECTION", "reset"));
    const delays: number[] = [];
    await withRetry(failing(...errors).work, { maxRetries: 4, baseDelayMs: 2, maxDelayMs: 10 }, (r) =>
      delays.push(r.delayMs),
    );
    expect(delays).toEqual([2, 4, 8, 10]);

    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const jittered: number[] = [];
    await withRetry(
      failing(new TroupeError("MODEL_CONNECTION", "reset")).work,
      { maxRetries: 1, baseDelayMs: 8 },
      (r) => jittered.push(r.delayMs),
    );
    expect(jittered).toEqual([4]);
  });

  it("honours a retryAfterMs hint (Retry-After) over the backoff, still capped at maxDelayMs", async () => {
    const delays: number[] = [];
    const limited = (ms: number) => new TroupeError("MODEL_RATE_LIMITED", "429", { details: { retryAfterMs: ms } });
    await withRetry(failing(limited(30)).work, { baseDelayMs: 1, maxDelayMs: 1000 }, (r) => delays.push(r.delayMs));
    await withRetry(failing(limited(60_000)).work, { baseDelayMs: 1, maxDelayMs: 20 }, (r) => delays.push(r.delayMs));
    expect(delays).toEqual([30, 20]);
  });

  it("really waits the delay it reports", async () => {
    const started = Date.now();
    const hinted = new TroupeError("MODEL_RATE_LIMITED", "429", { details: { retryAfterMs: 60 } });
    await withRetry(failing(hinted).work, { maxDelayMs: 1000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });

  it("stops waiting when the signal aborts, with the abort reason", async () => {
    vi.spyOn(Math, "random").mockReturnValue(1);
    const controller = new AbortController();
    const { work, attempts } = failing(new TroupeError("MODEL_SERVER_ERROR", "500"));
    const started = Date.now();
    const pending = withRetry(
      work,
      { baseDelayMs: 60_000, maxDelayMs: 60_000 },
      () => setTimeout(() => controller.abort(new TroupeError("CANCELLED", "cancelled")), 10),
      controller.signal,
    );
    const error = await pending.catch((e: unknown) => e);
    expect(isTroupeError(error, "CANCELLED")).toBe(true);
    expect(attempts).toEqual([0]);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe("sleep", () => {
  it("rejects at once, typed ABORTED, when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await sleep(10_000, controller.signal).catch((e: unknown) => e);
    expect(isTroupeError(error, "ABORTED")).toBe(true);
  });
});
