// The shared runner: every benchmark file hands it cases; it checks that both sides do the same
// work, warms them up, interleaves them, and reduces the samples to medians.
import { performance } from "node:perf_hooks";
import v8 from "node:v8";
import vm from "node:vm";
import { summary } from "./stats.mjs";

v8.setFlagsFromString("--expose-gc");
/**
 * A full collection before each case, so a case does not pay for the previous one's garbage.
 * Not before each sample: a forced full GC shrinks the young generation and makes the next
 * sample slower than steady state.
 */
const gc = vm.runInNewContext("gc");

/**
 * @typedef {object} Side
 * @property {string} label           what this side is, for the table
 * @property {() => Promise<unknown>} run  one unit of work (one team run, one compile, ...)
 * @property {() => number} [calls]   model calls made so far (checked equal on both sides)
 * @property {(output: unknown) => string | undefined} [verify]  a problem with one run's output, if any
 */

/**
 * @typedef {object} Case
 * @property {string} id
 * @property {string} title
 * @property {"ratio" | "absolute" | "pending"} kind  ratio: candidate vs baseline; absolute: candidate vs a time goal (a baseline, if given, is shown beside it)
 * @property {{ maxRatio?: number, maxMs?: number }} [goal]
 * @property {string} [pending]       why a pending row has no figure yet
 * @property {string} [note]
 * @property {number} [runs]          measured rounds (default 15)
 * @property {number} [warmup]        unmeasured rounds first (default 5)
 * @property {number} [batch]         units of work per sample (default 1); for work under a few ms
 * @property {number} [hops]          steps per run, to report the overhead per hop
 * @property {() => Promise<{ baseline?: Side, candidate: Side, teardown?: () => Promise<void> }>} [setup]
 * @property {(options: { quick: boolean }) => Promise<Measured>} [measure]  instead of setup, for
 *   figures that are not a time per run (percentiles, throughput, memory): the case measures itself
 */

/**
 * What a self-measuring case reports. `text` is what the table shows for a side; `met` is the
 * goal's verdict (leave it out for an informational row); `result` says by how much.
 * @typedef {object} Measured
 * @property {{ label: string, text: string } & Record<string, unknown>} candidate
 * @property {{ label: string, text: string } & Record<string, unknown>} [baseline]
 * @property {number} [ratio]
 * @property {boolean} [met]
 * @property {string} [result]
 */

/** Runs one case; returns its result row (never throws: a broken case becomes an "error" row). */
export async function runCase(c, options = {}) {
  const scale = options.quick ? 0.34 : 1;
  const base = {
    id: c.id,
    title: c.title,
    kind: c.kind,
    ...(c.goal ? { goal: c.goal } : {}),
    ...(c.note ? { note: c.note } : {}),
  };
  if (c.kind === "pending") return { ...base, status: "pending", pending: c.pending };
  if (c.measure) return measured(c, base, options);
  const runs = Math.max(3, Math.round((c.runs ?? 15) * scale));
  const warmup = Math.max(1, Math.round((c.warmup ?? 5) * scale));
  const batch = c.batch ?? 1;
  const started = performance.now();
  let sides;
  try {
    gc();
    sides = await c.setup();
    const pair = [sides.baseline, sides.candidate].filter(Boolean);
    const calls = await checkEquivalent(pair);
    for (let i = 0; i < warmup; i++) for (const side of pair) await side.run();
    const wall = new Map(pair.map((s) => [s, []]));
    const cpu = new Map(pair.map((s) => [s, []]));
    for (let round = 0; round < runs; round++) {
      // alternate which side goes first, so neither always follows the other's garbage
      const order = round % 2 === 0 ? pair : [...pair].reverse();
      for (const side of order) {
        const t = await sample(side, batch);
        wall.get(side).push(t.wall);
        cpu.get(side).push(t.cpu);
      }
    }
    // and once more after: the scripted models must still be in step with the runs
    await checkEquivalent(pair);
    const row = {
      ...base,
      runs,
      warmup,
      batch,
      ...(calls ? { modelCallsPerRun: calls } : {}),
      seconds: round((performance.now() - started) / 1000, 1),
    };
    const sideSummary = (side) => ({
      label: side.label,
      ...msSummary(wall.get(side)),
      cpuMedianMs: round(summary(cpu.get(side)).median, 4),
    });
    const candidate = sideSummary(sides.candidate);
    const out = { ...row, candidate };
    if (sides.baseline) {
      const baseline = sideSummary(sides.baseline);
      const paired = summary(wall.get(sides.candidate).map((t, i) => t / wall.get(sides.baseline)[i]));
      Object.assign(out, {
        baseline,
        ratio: round(candidate.medianMs / baseline.medianMs, 3),
        pairedRatio: { p25: round(paired.p25, 3), p75: round(paired.p75, 3) },
        cpuRatio: round(candidate.cpuMedianMs / baseline.cpuMedianMs, 3),
        ...(c.hops ? { overheadPerHopUs: round(((candidate.medianMs - baseline.medianMs) * 1000) / c.hops, 1) } : {}),
      });
    }
    const fraction =
      c.goal?.maxMs !== undefined
        ? candidate.medianMs / c.goal.maxMs
        : c.goal?.maxRatio !== undefined
          ? out.ratio / c.goal.maxRatio
          : undefined;
    if (fraction === undefined) return { ...out, status: "info" };
    return { ...out, goalFraction: round(fraction, 3), status: fraction <= 1 ? "ok" : "over" };
  } catch (error) {
    return { ...base, status: "error", error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  } finally {
    await sides?.teardown?.().catch(() => undefined);
  }
}

/** Runs a self-measuring case (see {@link Measured}). */
async function measured(c, base, options) {
  const started = performance.now();
  try {
    gc();
    const m = await c.measure({ quick: Boolean(options.quick) });
    const status = m.met === undefined ? "info" : m.met ? "ok" : "over";
    return { ...base, ...m, seconds: round((performance.now() - started) / 1000, 1), status };
  } catch (error) {
    return { ...base, status: "error", error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

/** One checked run of each side, counting model calls: both must make the same number and pass their checks. */
async function checkEquivalent(pair) {
  const counts = [];
  for (const side of pair) {
    const before = side.calls?.() ?? 0;
    const output = await side.run();
    const problem = side.verify?.(output);
    if (problem) throw new Error(`${side.label}: ${problem}`);
    counts.push((side.calls?.() ?? 0) - before);
  }
  if (pair.length === 2 && pair.every((s) => s.calls) && counts[0] !== counts[1]) {
    throw new Error(
      `the sides did different work: ${pair[0].label} made ${counts[0]} model calls, ${pair[1].label} made ${counts[1]}`,
    );
  }
  return counts[counts.length - 1];
}

/** Wall time and process CPU time (user + system, all threads) per unit of work, in ms. */
async function sample(side, batch) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < batch; i++) await side.run();
  const wall = (performance.now() - t0) / batch;
  const used = process.cpuUsage(c0);
  return { wall, cpu: (used.user + used.system) / 1000 / batch };
}

function msSummary(values) {
  const s = summary(values);
  return { medianMs: round(s.median, 4), p25Ms: round(s.p25, 4), p75Ms: round(s.p75, 4) };
}

function round(value, digits) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
