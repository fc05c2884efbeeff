// Memory of 10,000 agents served from one process: serveAgent on one NatsBus for each (two queue
// subscriptions, an xstate lifecycle actor, its handlers), then each registered in the
// AgentRegistry (a KV entry and a heartbeat timer). Resident set size before and after.
import { setTimeout as sleep } from "node:timers/promises";
import v8 from "node:v8";
import vm from "node:vm";
import { defineAgent, invokeAgent, serveAgent } from "@troupe/core";
import { AgentRegistry } from "@troupe/nats";
import { scriptedClient } from "./scripted-client.mjs";
import { inWindows, mb, natsFixture, round } from "./nats-fixture.mjs";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc");
const GOAL_BYTES = 2 ** 30;

/** RSS and heap after two full collections and a moment for the allocator to give pages back. */
async function settledMemory() {
  for (let i = 0; i < 2; i++) {
    gc();
    await sleep(100);
  }
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

/** @param {{ quick: boolean }} options */
export async function measureAgentMemory({ quick }) {
  const count = quick ? 3000 : 10_000;
  const nats = await natsFixture();
  const handles = [];
  const registrations = [];
  try {
    const bus = await nats.bus({ durableEvents: true, name: "bench-worker" });
    const caller = await nats.bus({ name: "bench-caller" });
    const registry = await AgentRegistry.open(bus.connection, { namespace: "bench" });
    const name = (i) => `agent-${String(i).padStart(5, "0")}`;
    const model = scriptedClient(
      Object.fromEntries(Array.from({ length: count }, (_, i) => [name(i), [`${name(i)} done`]])),
    );
    const before = await settledMemory();

    const agents = Array.from({ length: count }, (_, i) =>
      defineAgent({
        name: name(i),
        description: `Handles part ${i}`,
        instructions: `You are agent ${i}. Do the part you are given.`,
      }),
    );
    handles.push(...(await inWindows(count, 200, (i) => serveAgent(bus, agents[i], { model }))));
    const served = await settledMemory();
    registrations.push(
      ...(await inWindows(count, 200, (i) => registry.register({ name: agents[i].name, version: "1.0.0" }))),
    );
    const registered = await settledMemory();

    // every agent is live: all idle, all listed, and a few answer a call from another connection
    const notReady = handles.filter((h) => h.state() !== "idle").length;
    if (notReady) throw new Error(`${notReady} of ${count} agents are not idle (ready for work)`);
    const listed = (await registry.list()).length;
    if (listed !== count) throw new Error(`the registry lists ${listed} agents, expected ${count}`);
    for (const i of [0, Math.floor(count / 2), count - 1]) {
      const result = await invokeAgent(caller, {
        runId: "bench-run",
        threadId: "bench-thread",
        agent: name(i),
        task: "go",
        messages: [],
        idempotencyKey: `k-${i}`,
      });
      if (result.output !== `${name(i)} done`) throw new Error(`${name(i)} answered ${JSON.stringify(result.output)}`);
    }

    const delta = registered.rss - before.rss;
    return {
      baseline: {
        label: "process before",
        text: `${mb(before.rss)} RSS`,
        rssBytes: before.rss,
        heapUsedBytes: before.heapUsed,
      },
      candidate: {
        label: `${count.toLocaleString("en-US")} agents served + registered`,
        text: `${mb(registered.rss)} RSS (+${mb(delta)}, ${(delta / count / 1024).toFixed(1)} KB/agent)`,
        rssBytes: registered.rss,
        heapUsedBytes: registered.heapUsed,
      },
      agents: count,
      rssDeltaBytes: { served: served.rss - before.rss, registered: registered.rss - served.rss, total: delta },
      heapDeltaBytes: {
        served: served.heapUsed - before.heapUsed,
        registered: registered.heapUsed - served.heapUsed,
        total: registered.heapUsed - before.heapUsed,
      },
      bytesPerAgent: Math.round(delta / count),
      met: registered.rss < GOAL_BYTES,
      result: `${round(registered.rss / GOAL_BYTES, 2)} of 1 GB; serve ${((served.rss - before.rss) / count / 1024).toFixed(1)} KB + register ${((registered.rss - served.rss) / count / 1024).toFixed(1)} KB per agent`,
    };
  } finally {
    await Promise.all(registrations.map((r) => r.stop().catch(() => undefined)));
    await Promise.all(handles.map((h) => h.unsubscribe().catch(() => undefined)));
    await nats.close();
  }
}
