import CircuitBreaker from "opossum";
import { toTroupeError, TroupeError } from "../errors.js";

export interface BreakerOptions {
  /** Failure percentage in the rolling window that opens the breaker (default 50). */
  errorThresholdPercentage?: number;
  /** Calls in the window before the percentage counts (default 5). */
  volumeThreshold?: number;
  /** How long the breaker stays open before a trial call, ms (default 30000). */
  resetTimeoutMs?: number;
  /** A call slower than this counts as a failure, ms (default: none). */
  timeoutMs?: number;
  /** Rolling window length, ms (default 10000). */
  windowMs?: number;
}

export type BreakerState = "opened" | "half_open" | "closed";
export type BreakerScope = "agent" | "tool" | "model";
export type BreakerListener = (scope: BreakerScope, name: string, state: BreakerState) => void;

type Thunk = () => Promise<unknown>;

/**
 * Circuit breakers (opossum) by scope and name: an agent, a tool or a model fails fast with
 * BREAKER_OPEN once its recent failures pass the threshold, then lets one trial call through
 * after the reset time. Only retryable failures (timeouts, 429, 5xx, connection) count.
 *
 * @example
 * const breakers = new BreakerRegistry({ volumeThreshold: 3 }, (scope, name, state) => log(scope, name, state));
 * await breakers.call("agent", "researcher", () => invoke());
 */
export class BreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker<[Thunk], unknown>>();
  private readonly listeners = new Map<string, BreakerListener>();

  constructor(
    private readonly defaults: BreakerOptions = {},
    private readonly overrides: (scope: BreakerScope, name: string) => BreakerOptions | false | undefined = () =>
      undefined,
  ) {}

  /** Runs `work` through the named breaker; `listener` hears state changes this call causes. */
  async call<T>(scope: BreakerScope, name: string, work: () => Promise<T>, listener?: BreakerListener): Promise<T> {
    const options = this.overrides(scope, name);
    if (options === false) return work();
    const key = `${scope}:${name}`;
    const breaker = this.breakerFor(key, scope, name, { ...this.defaults, ...options });
    if (listener) this.listeners.set(key, listener);
    try {
      return (await breaker.fire(work)) as T;
    } catch (error) {
      if ((error as { code?: string }).code === "EOPENBREAKER") {
        throw new TroupeError(
          "BREAKER_OPEN",
          `${scope} ${name} is failing and its circuit breaker is open; calls fail fast until a trial call succeeds`,
          {
            cause: error,
            details: { scope, name },
          },
        );
      }
      if ((error as { code?: string }).code === "ETIMEDOUT") {
        throw new TroupeError(
          scope === "agent" ? "AGENT_TIMEOUT" : scope === "model" ? "MODEL_TIMEOUT" : "TOOL_TRANSIENT",
          `${scope} ${name} timed out`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** The current state of a breaker, or undefined if it has not been used. */
  state(scope: BreakerScope, name: string): BreakerState | undefined {
    const breaker = this.breakers.get(`${scope}:${name}`);
    if (!breaker) return undefined;
    return breaker.opened ? "opened" : breaker.halfOpen ? "half_open" : "closed";
  }

  shutdown(): void {
    for (const breaker of this.breakers.values()) breaker.shutdown();
    this.breakers.clear();
  }

  private breakerFor(key: string, scope: BreakerScope, name: string, options: BreakerOptions) {
    let breaker = this.breakers.get(key);
    if (breaker) return breaker;
    breaker = new CircuitBreaker<[Thunk], unknown>((work) => work(), {
      name: key,
      timeout: options.timeoutMs ?? false,
      errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
      volumeThreshold: options.volumeThreshold ?? 5,
      resetTimeout: options.resetTimeoutMs ?? 30_000,
      rollingCountTimeout: options.windowMs ?? 10_000,
      // final errors (validation, 4xx, budgets) say nothing about the dependency's health;
      // opossum's own timeout error is untyped but is a failure
      errorFilter: (error: unknown) =>
        (error as { code?: string }).code !== "ETIMEDOUT" && !toTroupeError(error).retryable,
    });
    const tell = (state: BreakerState) => this.listeners.get(key)?.(scope, name, state);
    breaker.on("open", () => tell("opened"));
    breaker.on("halfOpen", () => tell("half_open"));
    breaker.on("close", () => tell("closed"));
    this.breakers.set(key, breaker);
    return breaker;
  }
}
