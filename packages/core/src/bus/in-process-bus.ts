import type { Bus, RequestOptions, ServeContext, Subscription } from "./bus.js";
import { TroupeError, toTroupeError } from "../errors.js";

type Handler = (payload: unknown, ctx: ServeContext) => Promise<unknown>;

/**
 * The default bus: one process, no network. Payloads are copied with structuredClone so a
 * handler never shares objects with its caller, as on a real wire. Several servers of one
 * service take requests in turn.
 *
 * @example
 * const bus = new InProcessBus();
 * await bus.serve("echo", async (p) => p);
 * await bus.request("echo", { hi: 1 }); // { hi: 1 }
 */
export class InProcessBus implements Bus {
  private readonly services = new Map<string, Handler[]>();
  private readonly topics = new Map<string, Set<(message: unknown) => void>>();
  private readonly cursor = new Map<string, number>();
  private readonly closing = new AbortController();

  async serve(service: string, handler: Handler): Promise<Subscription> {
    const list = this.services.get(service) ?? [];
    list.push(handler);
    this.services.set(service, list);
    return {
      unsubscribe: () => {
        const current = this.services.get(service) ?? [];
        this.services.set(
          service,
          current.filter((h) => h !== handler),
        );
      },
    };
  }

  async request(service: string, payload: unknown, options: RequestOptions = {}): Promise<unknown> {
    const handlers = this.services.get(service);
    if (!handlers?.length) {
      throw new TroupeError(
        "AGENT_UNAVAILABLE",
        `nothing serves "${service}" on this bus; register the agent with the team or start a worker for it`,
      );
    }
    const index = (this.cursor.get(service) ?? 0) % handlers.length;
    this.cursor.set(service, index + 1);
    const handler = handlers[index] as Handler;
    const signals = [this.closing.signal];
    if (options.signal) signals.push(options.signal);
    if (options.timeoutMs) signals.push(AbortSignal.timeout(options.timeoutMs));
    const signal = AbortSignal.any(signals);
    return new Promise((resolve, reject) => {
      const onAbort = () =>
        reject(
          signal.reason instanceof DOMException && signal.reason.name === "TimeoutError"
            ? new TroupeError("AGENT_TIMEOUT", `"${service}" did not answer within ${options.timeoutMs} ms`)
            : toTroupeError(signal.reason ?? new DOMException("aborted", "AbortError")),
        );
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      handler(structuredClone(payload), { signal })
        .then((value) => resolve(structuredClone(value)), reject)
        .finally(() => signal.removeEventListener("abort", onAbort));
    });
  }

  async publish(topic: string, message: unknown): Promise<void> {
    for (const handler of this.topics.get(topic) ?? []) handler(structuredClone(message));
  }

  async subscribe(topic: string, handler: (message: unknown) => void): Promise<Subscription> {
    const set = this.topics.get(topic) ?? new Set();
    set.add(handler);
    this.topics.set(topic, set);
    return {
      unsubscribe: () => {
        set.delete(handler);
        if (set.size === 0) this.topics.delete(topic);
      },
    };
  }

  async close(): Promise<void> {
    this.closing.abort(new TroupeError("ABORTED", "bus closed"));
    this.services.clear();
    this.topics.clear();
  }
}
