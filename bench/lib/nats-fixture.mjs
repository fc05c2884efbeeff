// A throwaway nats-server (JetStream on, loopback, temp store) for one benchmark case, with the
// buses the case opens on it; `close()` closes them and stops the server, removing its store.
import { NatsBus } from "@troupe/nats";
import { startNatsServer } from "@troupe/testing";

/**
 * @returns {Promise<{ url: string, bus: (options?: Omit<import("@troupe/nats").NatsBusOptions, "servers">) => Promise<NatsBus>, close: () => Promise<void> }>}
 */
export async function natsFixture() {
  const server = await startNatsServer();
  const buses = [];
  return {
    url: server.url,
    async bus(options = {}) {
      const bus = await NatsBus.connect({ servers: server.url, namespace: "bench", onError: (error) => console.error(`bench bus: ${error.message}`), ...options });
      buses.push(bus);
      return bus;
    },
    async close() {
      for (const bus of buses.reverse()) await bus.close().catch(() => undefined);
      await server.stop();
    },
  };
}

/** Runs `work` over 0..count-1 with at most `width` calls in flight; resolves to their results in order. */
export async function inWindows(count, width, work) {
  const results = new Array(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, lane));
  return results;
}

/** Milliseconds with 3 significant digits, as the table shows them. */
export function ms(value) {
  return `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value >= 1 ? value.toFixed(2) : value.toFixed(3)} ms`;
}

/** A count per second, e.g. "85.2k/s". */
export function perSecond(value) {
  return value >= 1e6 ? `${(value / 1e6).toFixed(2)}M/s` : value >= 1e3 ? `${(value / 1e3).toFixed(1)}k/s` : `${value.toFixed(0)}/s`;
}

/** Megabytes of 2^20 bytes, one decimal. */
export function mb(bytes) {
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

export function round(value, digits) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
