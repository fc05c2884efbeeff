import { toTroupeError } from "../errors.js";

export interface RetryPolicy {
  /** Attempts after the first (default 3). */
  maxRetries?: number;
  /** First backoff in ms (default 500); doubles each attempt. */
  baseDelayMs?: number;
  /** Cap on one backoff in ms (default 8000). */
  maxDelayMs?: number;
}

export interface RetryInfo {
  attempt: number;
  delayMs: number;
  error: unknown;
}

/**
 * Runs `work`, retrying retryable TroupeErrors (timeouts, 429, 5xx, connection) with exponential
 * backoff and full jitter. Validation errors, 4xx and budget errors fail at once.
 *
 * @example
 * const answer = await withRetry(() => model.generate(req), { maxRetries: 2 }, (r) => log(r));
 */
export async function withRetry<T>(
  work: (attempt: number) => Promise<T>,
  policy: RetryPolicy = {},
  onRetry?: (info: RetryInfo) => void,
  signal?: AbortSignal,
): Promise<T> {
  const maxRetries = policy.maxRetries ?? 3;
  const base = policy.baseDelayMs ?? 500;
  const cap = policy.maxDelayMs ?? 8000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      const typed = toTroupeError(error);
      if (!typed.retryable || attempt >= maxRetries) throw typed;
      const hinted = retryAfterMs(typed.details);
      const delayMs = Math.min(cap, hinted ?? Math.round(Math.random() * base * 2 ** attempt));
      onRetry?.({ attempt: attempt + 1, delayMs, error: typed });
      await sleep(delayMs, signal);
    }
  }
}

function retryAfterMs(details: Record<string, unknown> | undefined): number | undefined {
  const value = details?.retryAfterMs;
  return typeof value === "number" && value >= 0 ? value : undefined;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(toTroupeError(signal.reason));
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(toTroupeError(signal?.reason));
    }
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
