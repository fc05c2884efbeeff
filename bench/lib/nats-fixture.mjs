// A throwaway nats-server (JetStream on, loopback, temp store) for one benchmark case, with the
// buses the case opens on it; `close()` closes them and stops the server, removing its store.
import { readdirSync, readFileSync } from "node:fs";
import { NatsBus } from "@troupe/nats";
import { startNatsServer } from "@troupe/testing";

/**
 * @returns {Promise<{ url: string, bus: (options?: Omit<import("@troupe/nats").NatsBusOptions, "servers">) => Promise<NatsBus>, serverCpuSeconds: () => number | undefined, close: () => Promise<void> }>}
 */
export async function natsFixture() {
  const server = await startNatsServer();
  const buses = [];
  const stat = serverStatFile(server.name);
  return {
    url: server.url,
    /** CPU time (user + system) the nats-server process has used so far; undefined off Linux. */
    serverCpuSeconds() {
      if (!stat) return undefined;
      // fields after "(comm) ": state is [0], utime [11], stime [12], in clock ticks (100 Hz on Linux)
      const fields = readFileSync(stat, "utf8").split(") ")[1].split(" ");
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    async bus(options = {}) {
      const bus = await NatsBus.connect({
        servers: server.url,
        namespace: "bench",
        onError: (error) => console.error(`bench bus: ${error.message}`),
        ...options,
      });
      buses.push(bus);
      return bus;
    },
    async close() {
      for (const bus of buses.reverse()) await bus.close().catch(() => undefined);
      await server.stop();
    },
  };
}

/** /proc/<pid>/stat of the nats-server started with this name (`-n <name>`), if this is Linux. */
function serverStatFile(name) {
  let pids = [];
  try {
    pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  } catch {
    return undefined; // not Linux
  }
  for (const pid of pids) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (args.some((a) => a.endsWith("nats-server")) && args[args.indexOf("-n") + 1] === name)
        return `/proc/${pid}/stat`;
    } catch {
      // gone, or not ours to read
    }
  }
  return undefined;
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
  return value >= 1e6
    ? `${(value / 1e6).toFixed(2)}M/s`
    : value >= 1e3
      ? `${(value / 1e3).toFixed(1)}k/s`
      : `${value.toFixed(0)}/s`;
}

/** Megabytes of 2^20 bytes, one decimal. */
export function mb(bytes) {
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

export function round(value, digits) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
