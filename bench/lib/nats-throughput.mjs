// Run events into JetStream from one process: RunEventLog.append (what a NatsBus with
// durableEvents does with every run event), with many runs appending at once, against core NATS
// publish of the same events (no stream, no acknowledgement) as a reference.
import { performance } from "node:perf_hooks";
import { randomUUID } from "node:crypto";
import { jetstream } from "@nats-io/jetstream";
import { runEventsTopic } from "@troupe/core";
import { inWindows, natsFixture, perSecond, round } from "./nats-fixture.mjs";

/** A small run event (about 190 bytes of JSON), as an agent node emits them. */
function eventOf(runId, i) {
  return {
    type: "agent.started",
    agent: "worker",
    task: `part ${i}`,
    turn: i,
    runId,
    threadId: `thread-${runId}`,
    at: new Date().toISOString(),
  };
}

/** @param {{ quick: boolean }} options */
export async function measureEventThroughput({ quick }) {
  const events = quick ? 40_000 : 100_000;
  const runs = 1000; // appends of one run are stored one after another; runs go in parallel
  const nats = await natsFixture();
  try {
    const bus = await nats.bus({ durableEvents: true });
    const log = await bus.eventLog();
    // another namespace, so no stream captures the core publishes
    const core = await nats.bus({ namespace: "bench-core" });
    const runIds = Array.from({ length: runs }, () => randomUUID());

    /** Every run appends its share of `count` events, one after another; all runs at once. */
    const appendAll = async (count) => {
      const per = count / runs;
      const seqs = await inWindows(runs, runs, async (r) => {
        const mine = [];
        for (let i = 0; i < per; i++) mine.push(await log.append(eventOf(runIds[r], i)));
        return mine;
      });
      return seqs.flat();
    };
    const publishAll = async (count) => {
      for (let i = 0; i < count; i++)
        await core.publish(runEventsTopic(runIds[i % runs]), eventOf(runIds[i % runs], i));
      await core.connection.flush();
    };
    /** JetStream's own client, pipelined the same way, without the log's per-run order and deduplication ids. */
    const js = jetstream(bus.connection);
    const rawAll = async (count) => {
      const per = count / runs;
      await inWindows(runs, runs, async (r) => {
        for (let i = 0; i < per; i++)
          await js.publish(`troupe.bench.run.${runIds[r]}.events`, JSON.stringify(eventOf(runIds[r], i)));
      });
    };

    await appendAll(runs * 10); // warm-up: JIT, the stream's first blocks
    await publishAll(runs * 10);
    /** Wall time, and CPU time of this process and of nats-server, per event in µs. */
    const timed = async (work, count) => {
      const [c0, s0, t0] = [process.cpuUsage(), nats.serverCpuSeconds(), performance.now()];
      const out = await work(count);
      const seconds = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      const server = s0 === undefined ? undefined : nats.serverCpuSeconds() - s0;
      return {
        seconds,
        out,
        cpuUsPerEvent: {
          client: round((c.user + c.system) / count, 1),
          ...(server === undefined ? {} : { server: round((server * 1e6) / count, 1) }),
        },
      };
    };
    const core1 = await timed(publishAll, events);
    const appended = await timed(appendAll, events);
    const core2 = await timed(publishAll, events);
    const raw = await timed(rawAll, events / 2);

    const seqs = new Set(appended.out);
    if (seqs.size !== events)
      throw new Error(`${events} appends came back with ${seqs.size} distinct stream sequences`);
    const rate = events / appended.seconds;
    const coreRate = events / Math.min(core1.seconds, core2.seconds);
    return {
      baseline: {
        label: "core NATS publish",
        text: `${perSecond(coreRate)} (no ack)`,
        eventsPerSecond: Math.round(coreRate),
        cpuUsPerEvent: core2.cpuUsPerEvent,
      },
      candidate: {
        label: "RunEventLog.append",
        text: `${perSecond(rate)} (${(events / 1000).toFixed(0)}k events, ${runs} runs at once)`,
        eventsPerSecond: Math.round(rate),
        seconds: round(appended.seconds, 2),
        cpuUsPerEvent: appended.cpuUsPerEvent,
      },
      events,
      concurrentRuns: runs,
      rawJetStreamPublish: { eventsPerSecond: Math.round(events / 2 / raw.seconds), cpuUsPerEvent: raw.cpuUsPerEvent },
      met: rate >= 100_000,
      result: `${perSecond(rate)} to JetStream (bare js.publish: ${perSecond(events / 2 / raw.seconds)})`,
    };
  } finally {
    await nats.close();
  }
}
