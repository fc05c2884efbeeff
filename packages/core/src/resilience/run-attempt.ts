import { toTroupeError, TroupeError } from "../errors.js";

/**
 * Runs one attempt of `work` with its own AbortSignal (joined to `signal`): not started when
 * `signal` is already aborted; when it outlives `timeoutMs` it is aborted and rejects with
 * TOOL_TIMEOUT (retryable), so a late attempt cannot finish its side effect after a retry won.
 * A plain throw becomes TOOL_FAILED with the tool's own message.
 *
 * @example
 * await runAttempt("charge_card", (signal) => fetch(url, { signal }), run.signal, 5000);
 */
export async function runAttempt<T>(
  name: string,
  work: (signal: AbortSignal) => Promise<T> | T,
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
): Promise<T> {
  signal?.throwIfAborted();
  const attempt = new AbortController();
  const joined = signal ? AbortSignal.any([signal, attempt.signal]) : attempt.signal;
  // a plain throw is the tool's own failure: TOOL_FAILED with its message, never INTERNAL
  const running = Promise.resolve()
    .then(() => work(joined))
    .catch((error: unknown) => {
      throw toTroupeError(error, "TOOL_FAILED", `tool ${name}`);
    });
  if (!timeoutMs) return running;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new TroupeError(
        "TOOL_TIMEOUT",
        `tool ${name} timed out after ${timeoutMs} ms; the attempt was aborted`,
        { details: { tool: name, timeoutMs } },
      );
      attempt.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([running, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
