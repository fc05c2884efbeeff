// Added latency of one agent hop over NATS: invokeAgent on one NatsBus connection to an agent that
// serveAgent serves on another (same process, loopback nats-server), against the same call over
// the InProcessBus. Sequential calls, interleaved in blocks, every call timed on its own.
import { performance } from "node:perf_hooks";
import { defineAgent, InProcessBus, invokeAgent, serveAgent } from "@troupe/core";
import { quantile } from "./stats.mjs";
import { scriptedClient } from "./scripted-client.mjs";
import { ms, natsFixture, round } from "./nats-fixture.mjs";

const ANSWER = "done";
const BLOCK = 100;

/** @param {{ quick: boolean }} options */
export async function measureHopLatency({ quick }) {
  const calls = quick ? 600 : 2000;
  const warmup = quick ? 200 : 500;
  const nats = await natsFixture();
  try {
    const agent = defineAgent({ name: "echo", description: "Answers at once", instructions: "Answer the task." });
    const model = scriptedClient({ echo: [ANSWER] });
    // as `troupe worker` connects: durable events on the serving side
    const workerBus = await nats.bus({ durableEvents: true, name: "bench-worker" });
    const callerBus = await nats.bus({ name: "bench-caller" });
    const local = new InProcessBus();
    await serveAgent(workerBus, agent, { model });
    await serveAgent(local, agent, { model });
    const sides = [
      { label: "InProcessBus", bus: local, times: [] },
      { label: "NatsBus", bus: callerBus, times: [] },
    ];
    const raw = await rawRoundTrip(workerBus, callerBus, warmup, calls);

    let n = 0;
    const call = async (side) => {
      const i = n++;
      const t0 = performance.now();
      const result = await invokeAgent(side.bus, {
        runId: "bench-run",
        threadId: "bench-thread",
        agent: "echo",
        task: `task ${i}`,
        messages: [],
        idempotencyKey: `bench-${i}`,
      });
      const t = performance.now() - t0;
      if (result.output !== ANSWER || result.directive.type !== "finish")
        throw new Error(
          `${side.label}: call ${i} answered ${JSON.stringify(result.output)} (${result.directive.type})`,
        );
      return t;
    };
    for (let i = 0; i < warmup; i++) for (const side of sides) await call(side);
    for (let block = 0; block < calls / BLOCK; block++) {
      // alternate which side goes first, so slow phases of the machine fall on both alike
      for (const side of block % 2 === 0 ? sides : [...sides].reverse())
        for (let i = 0; i < BLOCK; i++) side.times.push(await call(side));
    }

    const [local50, local99] = [quantile(sides[0].times, 0.5), quantile(sides[0].times, 0.99)];
    const [nats50, nats99] = [quantile(sides[1].times, 0.5), quantile(sides[1].times, 0.99)];
    const added = { p50: nats50 - local50, p99: nats99 - local99 };
    const side = (s, p50, p99) => ({
      label: s.label,
      text: `p50 ${ms(p50)}, p99 ${ms(p99)}`,
      p50Ms: round(p50, 4),
      p99Ms: round(p99, 4),
      calls: s.times.length,
    });
    return {
      baseline: side(sides[0], local50, local99),
      candidate: side(sides[1], nats50, nats99),
      ratio: round(nats50 / local50, 3),
      addedMs: { p50: round(added.p50, 4), p99: round(added.p99, 4) },
      rawNatsRoundTripMs: raw,
      calls,
      warmup,
      met: added.p50 <= 1 && added.p99 <= 5,
      result: `+${ms(added.p50)} p50, +${ms(added.p99)} p99 per hop`,
    };
  } finally {
    await nats.close();
  }
}

/** The floor under the agent hop: a bare NATS request/reply of a small payload on the same two connections. */
async function rawRoundTrip(server, client, warmup, calls) {
  const sub = server.connection.subscribe("bench.raw.echo", { callback: (_, msg) => msg.respond(msg.data) });
  await server.connection.flush();
  const payload = new TextEncoder().encode(JSON.stringify({ task: "task", messages: [] }));
  const times = [];
  for (let i = 0; i < warmup + calls; i++) {
    const t0 = performance.now();
    await client.connection.request("bench.raw.echo", payload, { timeout: 5000 });
    if (i >= warmup) times.push(performance.now() - t0);
  }
  sub.unsubscribe();
  return { p50: round(quantile(times, 0.5), 4), p99: round(quantile(times, 0.99), 4) };
}
