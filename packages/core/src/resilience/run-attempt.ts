import { toTroupeError } from "../errors.js";
import { timeoutInterceptor } from "./interceptors.js";

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
  const call = { kind: "tool" as const, name, attempt: 0, signal, emit: () => undefined };
  return timeoutInterceptor(timeoutMs)(call, (attempt) =>
    toolAttempt(name, () => work(attempt?.signal ?? new AbortController().signal)),
  );
}

/** Runs a tool's own code: a plain throw is the tool's own failure, TOOL_FAILED with its message, never INTERNAL. */
export function toolAttempt<T>(name: string, work: () => Promise<T> | T): Promise<T> {
  return Promise.resolve()
    .then(work)
    .catch((error: unknown) => {
      throw toTroupeError(error, "TOOL_FAILED", `tool ${name}`);
    });
}
