import { describe, expect, it } from "vitest";
import { TroupeError, toTroupeError } from "@troupe/core";
import { isRetryableFailure } from "./retryable-failure.js";

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe("isRetryableFailure", () => {
  it("retries network and PostgreSQL availability failures, also when wrapped", () => {
    expect(isRetryableFailure(withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED"))).toBe(true);
    expect(
      isRetryableFailure(
        toTroupeError(withCode("terminating connection due to administrator command", "57P01"), "INTERNAL", "team x"),
      ),
    ).toBe(true);
    expect(isRetryableFailure(withCode("connection failure", "08006"))).toBe(true);
    expect(isRetryableFailure(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(
      isRetryableFailure(new AggregateError([withCode("connect ECONNREFUSED ::1:5432", "ECONNREFUSED")], "all failed")),
    ).toBe(true);
    expect(isRetryableFailure(new TroupeError("AGENT_UNAVAILABLE", "nothing serves writer"))).toBe(true);
  });

  it("does not retry what would fail the same way again", () => {
    expect(isRetryableFailure(new TroupeError("SPEC_INVALID", "bad spec"))).toBe(false);
    expect(
      isRetryableFailure(new TroupeError("INTERNAL", "team x: boom", { cause: new TypeError("x is undefined") })),
    ).toBe(false);
    expect(isRetryableFailure(withCode('relation "x" does not exist', "42P01"))).toBe(false);
    expect(isRetryableFailure(undefined)).toBe(false);
  });
});
