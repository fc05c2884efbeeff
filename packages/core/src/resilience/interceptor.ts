import type { EventSink } from "../protocol/events.js";

/** What a call is: an agent request, one model call, one tool call, or the undo of a saga step. */
export type CallKind = "agent" | "model" | "tool" | "compensation";

/** One call (one attempt of it, inside the retry layer) as the interceptors see it. */
export interface CallInfo {
  kind: CallKind;
  /** The agent, model id, tool, or compensated tool; the fallback's name once the call fell back. */
  name: string;
  /** 0 for the first attempt, n for the n-th retry (set by the retry layer). */
  attempt: number;
  /** Set when this call stands in for a failed one: the name of the agent or model it replaces. */
  fallbackFrom?: string;
  runId?: string;
  threadId?: string;
  /** Aborts the call: the run's cancel or timeout, the agent's deadline, this attempt's timeout. */
  signal?: AbortSignal;
  /** When this attempt must be done (ms since the epoch), when a timeout applies. */
  deadline?: number;
  /** Reports an event on the call's run (stamped with its run and thread). */
  emit: EventSink;
}

/**
 * Wraps a call: does something around `next()`, which runs the layers inside it and then the call
 * itself. Pass a changed `CallInfo` to `next` to change what the inner layers see (the retry layer
 * sets `attempt`, the timeout layer `signal`); throw to fail the call like any other failure.
 *
 * @example
 * const timing: Interceptor = async (call, next) => {
 *   const started = Date.now();
 *   try {
 *     return await next();
 *   } finally {
 *     console.log(`${call.kind} ${call.name} #${call.attempt}: ${Date.now() - started} ms`);
 *   }
 * };
 */
export type Interceptor = <T>(call: CallInfo, next: (call?: CallInfo) => Promise<T>) => Promise<T>;

/** A composed chain of interceptors: runs `work` (the call itself) inside all of them. */
export type Pipeline = <T>(call: CallInfo, work: (call: CallInfo) => Promise<T>) => Promise<T>;

/**
 * Composes interceptors into one pipeline, the first outermost: `compose([a, b])(call, work)` runs
 * `a`, whose `next()` runs `b`, whose `next()` runs `work`. A synchronous throw in an interceptor
 * becomes a rejection.
 *
 * @example
 * const pipeline = compose([retryInterceptor({ maxRetries: 2 }), logging]);
 * const answer = await pipeline({ kind: "tool", name: "search", attempt: 0, emit }, (call) => search(call.signal));
 */
export function compose(interceptors: readonly Interceptor[]): Pipeline {
  return <T>(call: CallInfo, work: (call: CallInfo) => Promise<T>): Promise<T> => {
    const run = async (index: number, current: CallInfo): Promise<T> => {
      const interceptor = interceptors[index];
      if (!interceptor) return work(current);
      return interceptor<T>(current, (next) => run(index + 1, next ?? current));
    };
    return run(0, call);
  };
}
