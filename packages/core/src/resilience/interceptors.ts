import { toTroupeError, TroupeError } from "../errors.js";
import type { BreakerListener, BreakerRegistry } from "./circuit-breakers.js";
import type { CallInfo, Interceptor } from "./interceptor.js";
import { withRetry, type RetryPolicy } from "./retry.js";

/**
 * The retry layer: retries retryable failures under `policy` (backoff with full jitter, Retry-After
 * hints, `maxRetries: 0` for one attempt), sets `attempt` for the layers inside, and emits one
 * `retry` event per retry. Every failure leaves it typed (an untyped throw becomes INTERNAL).
 *
 * @example
 * const pipeline = compose([retryInterceptor({ maxRetries: 2, baseDelayMs: 200 })]);
 */
export function retryInterceptor(policy: RetryPolicy): Interceptor {
  return (call, next) =>
    withRetry(
      (attempt) => next({ ...call, attempt }),
      policy,
      (r) =>
        call.emit({
          type: "retry",
          scope: call.kind,
          name: call.name,
          attempt: r.attempt,
          delayMs: r.delayMs,
          error: toTroupeError(r.error).toInfo(),
        }),
      call.signal,
    );
}

/**
 * The circuit-breaker layer: each attempt goes through the breaker of its kind and name (a
 * compensation has none), which fails fast with BREAKER_OPEN while open. Transitions are emitted
 * as `breaker.opened`, `breaker.half_open`, `breaker.closed` and told to `onState`.
 *
 * @example
 * const pipeline = compose([breakerInterceptor(team.breakers)]);
 */
export function breakerInterceptor(breakers: BreakerRegistry, onState?: BreakerListener): Interceptor {
  return (call, next) => {
    if (call.kind === "compensation") return next();
    return breakers.call(
      call.kind,
      call.name,
      () => next(),
      (scope, name, state) => {
        call.emit({ type: `breaker.${state}`, scope, name });
        onState?.(scope, name, state);
      },
    );
  };
}

/**
 * The fallback layer, the one rule for agents and models: when the call fails retryably (retries
 * spent) or its breaker is open, emit `fallback` and make the call again as `to` (the inner layers
 * see `name: to` and `fallbackFrom`). A final error (a 400, invalid output) does not fall back.
 *
 * @example
 * const pipeline = compose([fallbackInterceptor("writer_backup"), retryInterceptor(policy)]);
 */
export function fallbackInterceptor(to: string): Interceptor {
  return async (call, next) => {
    try {
      return await next();
    } catch (error) {
      const typed = toTroupeError(error);
      if ((!typed.retryable && typed.code !== "BREAKER_OPEN") || (call.kind !== "agent" && call.kind !== "model"))
        throw typed;
      call.emit({ type: "fallback", scope: call.kind, from: call.name, to, reason: typed.toInfo() });
      return next({ ...call, name: to, attempt: 0, fallbackFrom: call.name });
    }
  };
}

/**
 * The attempt-timeout layer: each attempt gets its own AbortSignal (joined to the call's) and, with
 * `timeoutMs`, a deadline; when it passes, the signal is aborted and the attempt fails with the
 * kind's timeout error (AGENT_TIMEOUT, TOOL_TIMEOUT, MODEL_TIMEOUT; retryable), so a late attempt
 * cannot finish its side effect after a retry won. An attempt is not started once the call's
 * signal has aborted.
 *
 * @example
 * const pipeline = compose([retryInterceptor(policy), timeoutInterceptor(5000)]);
 */
export function timeoutInterceptor(timeoutMs: number | undefined): Interceptor {
  return async <T>(call: CallInfo, next: (call?: CallInfo) => Promise<T>): Promise<T> => {
    call.signal?.throwIfAborted();
    const attempt = new AbortController();
    const signal = call.signal ? AbortSignal.any([call.signal, attempt.signal]) : attempt.signal;
    const running = next({ ...call, signal, ...(timeoutMs ? { deadline: Date.now() + timeoutMs } : {}) });
    if (!timeoutMs) return running;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = timeoutError(call, timeoutMs);
        attempt.abort(error);
        reject(error);
      }, timeoutMs);
    });
    try {
      return await Promise.race([running, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}

function timeoutError(call: CallInfo, timeoutMs: number): TroupeError {
  if (call.kind === "agent")
    return new TroupeError("AGENT_TIMEOUT", `agent ${call.name} did not answer within ${timeoutMs} ms`, {
      details: { agent: call.name, timeoutMs },
    });
  if (call.kind === "model")
    return new TroupeError("MODEL_TIMEOUT", `model ${call.name} timed out after ${timeoutMs} ms`, {
      details: { model: call.name, timeoutMs },
    });
  return new TroupeError("TOOL_TIMEOUT", `tool ${call.name} timed out after ${timeoutMs} ms; the attempt was aborted`, {
    details: { tool: call.name, timeoutMs },
  });
}

/** Applies `interceptor` only to the original call, not to a fallback standing in for it. */
export function primaryOnly(interceptor: Interceptor): Interceptor {
  return (call, next) => (call.fallbackFrom === undefined ? interceptor(call, next) : next());
}
