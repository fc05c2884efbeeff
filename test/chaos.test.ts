import { describe, expect, it } from "vitest";
import { memoryStore, TroupeError, type ErrorCode, type ModelRequest, type TroupeEvent } from "@troupe/core";
import { loadTeam } from "@troupe/patterns";
import { delegate, finish, ScriptedModel, type ScriptedTurn } from "@troupe/testing";

const RUNS = 1000;
const BATCH = 50;
const FAILURE_RATE = 0.1;
const TRANSIENT: ErrorCode[] = ["MODEL_SERVER_ERROR", "MODEL_RATE_LIMITED", "MODEL_OVERLOADED", "MODEL_CONNECTION"];

/** FNV-1a, then mulberry32: a seeded PRNG value in [0, 1) for one key, whatever order calls arrive in. */
function chance(seed: number, key: string): number {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  let t = (h + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** The text that names the job a request belongs to: the first user text (the run input or the worker's task). */
function jobOf(request: ModelRequest): string {
  const first = request.messages[0]?.content.find((b) => b.type === "text");
  return first?.type === "text" ? first.text : "?";
}

/**
 * Scripted turns that never run out: the lead delegates to w1, then w2, then finishes with both
 * answers; workers answer their task; the backup plays whichever role it stands in for. Every
 * call first fails with a transient error with probability FAILURE_RATE (seeded per job and call).
 */
function chaosModel(seed: number) {
  const calls = new Map<string, number>();
  let injected = 0;
  let total = 0;
  const flaky =
    (play: (request: ModelRequest) => ScriptedTurn): ScriptedTurn =>
    (request) => {
      const key = `${jobOf(request)}|${request.agent}`;
      const n = (calls.get(key) ?? 0) + 1;
      calls.set(key, n);
      total++;
      if (chance(seed, `${key}|${n}`) < FAILURE_RATE) {
        injected++;
        const code = TRANSIENT[n % TRANSIENT.length]!;
        return new TroupeError(code, `injected ${code} for ${key} call ${n}`);
      }
      return play(request);
    };
  const lead = (request: ModelRequest): ScriptedTurn => {
    const results = request.messages.flatMap((m) => m.content).filter((b) => b.type === "tool_result");
    const job = jobOf(request);
    if (results.length === 0) return delegate("w1", `${job}: part A`);
    if (results.length === 1) return delegate("w2", `${job}: part B`);
    return finish(`${job} done: ${results.map((r) => r.content).join(" + ")}`);
  };
  const worker = (request: ModelRequest): ScriptedTurn => `${jobOf(request)} ok`;
  const backup = (request: ModelRequest): ScriptedTurn =>
    request.tools.some((t) => t.name === "delegate") ? lead(request) : worker(request);
  // one function turn per agent, repeated: a function turn is consumed per call, so give plenty
  const forever = (turn: ScriptedTurn) => Array.from({ length: RUNS * 6 }, () => turn);
  const model = new ScriptedModel({
    lead: forever(flaky(lead)),
    w1: forever(flaky(worker)),
    w2: forever(flaky(worker)),
    backup: forever(flaky(backup)),
  });
  return { model, stats: () => ({ injected, total }) };
}

const spec = {
  name: "chaos",
  pattern: "supervisor",
  supervisor: "lead",
  agents: {
    lead: {
      description: "Splits the job and assembles the answer",
      instructions: "Delegate part A to w1 and part B to w2, then finish.",
    },
    w1: { description: "Does part A", instructions: "Do part A." },
    w2: { description: "Does part B", instructions: "Do part B." },
    backup: {
      description: "Stands in for any agent that keeps failing",
      instructions: "Do what the failing agent was asked.",
    },
  },
  limits: { maxTurns: 12 },
  resilience: {
    retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 4 },
    agents: { lead: { fallback: "backup" }, w1: { fallback: "backup" }, w2: { fallback: "backup" } },
  },
};

describe("chaos", () => {
  it(`completes at least 99.9% of ${RUNS} runs when ${FAILURE_RATE * 100}% of agent calls fail transiently`, async () => {
    const { model, stats } = chaosModel(20_260_101);
    const team = await loadTeam({ raw: spec, baseDir: process.cwd() }, { store: memoryStore(), model });
    const outcomes: Array<{ status: string; output: unknown; job: string }> = [];
    const seen = new Map<string, number>();
    const count = (type: TroupeEvent["type"]) => seen.set(type, (seen.get(type) ?? 0) + 1);

    for (let start = 0; start < RUNS; start += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, RUNS - start) }, async (_, i) => {
        const job = `job-${start + i}`;
        let last: TroupeEvent | undefined;
        try {
          for await (const event of team.stream(job, { threadId: job })) {
            count(event.type);
            last = event;
          }
        } catch {
          // a failed run ends with run.failed; its status is counted below
        }
        outcomes.push({
          status: last?.type === "run.completed" ? "completed" : "failed",
          output: last?.type === "run.completed" ? last.output : undefined,
          job,
        });
      });
      await Promise.all(batch);
    }
    await team.close();

    const completed = outcomes.filter((o) => o.status === "completed");
    const rate = completed.length / RUNS;
    console.log(
      `chaos: ${completed.length}/${RUNS} runs completed (${(rate * 100).toFixed(1)}%); ${stats().injected} of ${stats().total} model calls failed; events`,
      Object.fromEntries(seen),
    );

    expect(outcomes).toHaveLength(RUNS);
    expect(rate).toBeGreaterThanOrEqual(0.999);
    // every completed run really did its job: both parts, for its own input
    for (const o of completed) expect(o.output).toBe(`${o.job} done: ${o.job}: part A ok + ${o.job}: part B ok`);
    // the faults were real: about one call in ten failed, and retries and fallbacks absorbed them
    const { injected, total } = stats();
    expect(total).toBeGreaterThanOrEqual(RUNS * 5);
    expect(injected / total).toBeGreaterThan(0.07);
    expect(injected / total).toBeLessThan(0.13);
    expect(seen.get("retry") ?? 0).toBeGreaterThanOrEqual(injected * 0.9);
    // with this seed some agent calls fail three times in a row: the fallback agent took those
    expect(seen.get("fallback") ?? 0).toBeGreaterThan(0);
  });
});
