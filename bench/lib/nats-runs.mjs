// 1,000 runs of a small supervisor team (lead + 1 worker) started at once over NATS: the team on
// one NatsBus connection (durable events, as `troupe orchestrator` connects), its agents served on
// another (as `troupe worker`), memoryStore. Baseline: the same 1,000 runs over the InProcessBus.
import { performance } from "node:perf_hooks";
import { defineAgent, memoryStore, serveAgent } from "@troupe/core";
import { supervisor } from "@troupe/patterns";
import { delegate, finish } from "@troupe/testing";
import { natsFixture, round } from "./nats-fixture.mjs";

const ANSWER = "The part is done.";
const STEPS = 3; // lead delegates, worker answers, lead finishes
const WARMUP = 200;

/**
 * A model that reads the request instead of playing turns in order, so it never runs out and
 * concurrent runs cannot take each other's turns: the lead delegates until it sees the worker's
 * result, then finishes; the worker answers at once.
 */
export function supervisorModel() {
  const route = delegate("worker", "do the part");
  const done = finish(ANSWER);
  let ids = 0;
  const model = {
    id: "bench-request-driven",
    calls: 0,
    async generate(request) {
      model.calls++;
      const content = [];
      if (request.agent === "worker") content.push({ type: "text", text: "worker did the part" });
      else {
        const answered = request.messages.some(
          (m) => m.role === "user" && m.content.some((b) => b.type === "tool_result"),
        );
        const call = (answered ? done : route).toolCalls[0];
        content.push({ type: "tool_use", id: `toolu_${++ids}`, name: call.name, input: call.input });
      }
      return {
        content,
        stopReason: content[0].type === "tool_use" ? "tool_use" : "end_turn",
        usage: { inputTokens: 10, outputTokens: 5, costUsd: 0 },
        model: model.id,
      };
    },
  };
  return model;
}

function teamOf(model, extra) {
  const lead = defineAgent({
    name: "lead",
    description: "Routes the work",
    instructions: "Route the request to the worker, then finish.",
  });
  const worker = defineAgent({
    name: "worker",
    description: "Does one part",
    instructions: "Do the part you are given.",
  });
  return {
    lead,
    worker,
    team: supervisor({
      name: "bench-concurrent",
      lead,
      workers: [worker],
      limits: { maxTurns: 6 },
      model,
      store: memoryStore(),
      ...extra,
    }),
  };
}

/** Starts `count` runs at once; counts the ones that completed with the expected answer and steps. */
async function burst(team, count, tag, serverCpu) {
  const c0 = process.cpuUsage();
  const s0 = serverCpu();
  const t0 = performance.now();
  const settled = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => team.run(`request ${i}`, { threadId: `${tag}-${i}` })),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const server = s0 === undefined ? undefined : serverCpu() - s0;
  const completed = settled.filter(
    (s) =>
      s.status === "fulfilled" &&
      s.value.status === "completed" &&
      s.value.output === ANSWER &&
      s.value.steps.length === STEPS,
  ).length;
  const failure = settled.find((s) => s.status === "rejected");
  return {
    seconds,
    completed,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    serverCpuSeconds: server,
    ...(failure ? { firstError: String(failure.reason?.message ?? failure.reason) } : {}),
  };
}

/** @param {{ quick: boolean }} options */
export async function measureConcurrentRuns({ quick }) {
  const count = quick ? 300 : 1000;
  const nats = await natsFixture();
  const local = teamOf(supervisorModel(), {});
  let remote;
  try {
    const workerBus = await nats.bus({ durableEvents: true, name: "bench-worker" });
    const teamBus = await nats.bus({ durableEvents: true, name: "bench-orchestrator" });
    const model = supervisorModel();
    remote = teamOf(model, { bus: teamBus, serveAgents: false });
    await serveAgent(workerBus, remote.lead, { model });
    await serveAgent(workerBus, remote.worker, { model });

    const sides = [
      { label: "InProcessBus", team: local.team },
      { label: "NatsBus", team: remote.team },
    ];
    for (const side of sides) {
      const warm = await burst(side.team, WARMUP, `warm-${side.label}`, nats.serverCpuSeconds);
      if (warm.completed !== WARMUP)
        throw new Error(
          `${side.label}: ${warm.completed} of ${WARMUP} warm-up runs completed${warm.firstError ? `; first error: ${warm.firstError}` : ""}`,
        );
    }
    // one measured burst per side (a burst takes seconds; the suite's time budget allows one each)
    const summary = async (side) => {
      const { seconds, completed, cpuSeconds, serverCpuSeconds, firstError } = await burst(
        side.team,
        count,
        `${side.label}-measured`,
        nats.serverCpuSeconds,
      );
      return {
        label: side.label,
        text: `${completed}/${count} in ${seconds.toFixed(2)} s (${Math.round(count / seconds)} runs/s)`,
        completed,
        seconds: round(seconds, 3),
        cpuSeconds: round(cpuSeconds, 3),
        ...(serverCpuSeconds === undefined ? {} : { natsServerCpuSeconds: round(serverCpuSeconds, 2) }),
        runsPerSecond: Math.round(count / seconds),
        ...(firstError ? { firstError } : {}),
      };
    };
    const baseline = await summary(sides[0]);
    const candidate = await summary(sides[1]);
    return {
      baseline,
      candidate,
      ratio: round(candidate.seconds / baseline.seconds, 3),
      runs: count,
      modelCallsPerRun: STEPS,
      met: candidate.completed === count,
      result: `${candidate.completed}/${count} completed, ${candidate.runsPerSecond} runs/s`,
    };
  } finally {
    await local.team.close().catch(() => undefined);
    await remote?.team.close().catch(() => undefined);
    await nats.close();
  }
}
