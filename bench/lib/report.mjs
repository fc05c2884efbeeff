// Turns result rows into the printed table (Markdown, so docs/benchmarks.md can paste it as is)
// and into results.json.
import { writeFileSync } from "node:fs";

/** The results table as Markdown. */
export function tableOf(rows) {
  const lines = [
    "| benchmark | baseline | Troupe | ratio (p25–p75) | CPU-time ratio | goal | result |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const r of rows)
    lines.push(
      `| ${[r.title, base(r), troupe(r), ratio(r), r.cpuRatio?.toFixed(2) ?? "—", goal(r), result(r)].join(" | ")} |`,
    );
  return lines.join("\n");
}

/** One line naming the machine, for under the table. */
export function machineLine(m) {
  const load = m.loadAverage ? `, 1-min load ${m.loadAverage.start} at start / ${m.loadAverage.end} at end` : "";
  return `${m.cpuModel}, ${m.cpus} CPUs, ${m.memoryGb} GB, ${m.platform}, Node ${m.node}, LangGraph ${m.versions["@langchain/langgraph"]}, ${m.date.slice(0, 10)}${load}`;
}

export function writeResults(file, machine, options, rows) {
  writeFileSync(file, `${JSON.stringify({ machine, options, results: rows }, null, 2)}\n`);
}

const ms = (side) => (side ? `${fmt(side.medianMs)} ms` : "—");

function base(r) {
  return r.baseline?.text ?? ms(r.baseline);
}

function troupe(r) {
  return r.candidate ? (r.candidate.text ?? ms(r.candidate)) : "—";
}

function ratio(r) {
  if (!r.pairedRatio) return r.ratio === undefined ? "—" : r.ratio.toFixed(2);
  if (!r.baseline || !r.candidate) return "—";
  return `${r.ratio.toFixed(2)} (${r.pairedRatio.p25.toFixed(2)}–${r.pairedRatio.p75.toFixed(2)})`;
}

function goal(r) {
  if (r.goal?.text) return r.goal.text;
  if (r.goal?.maxRatio !== undefined) return `ratio ≤ ${r.goal.maxRatio.toFixed(2)}`;
  if (r.goal?.maxMs !== undefined) return `≤ ${r.goal.maxMs} ms`;
  return "—";
}

function result(r) {
  if (r.status === "pending") return `pending: ${r.pending}`;
  if (r.status === "error") return `error: ${String(r.error).split("\n")[0]}`;
  if (r.result !== undefined) return [r.status === "info" ? "" : r.status, r.result].filter(Boolean).join(", ");
  const parts = [];
  if (r.goal?.maxMs !== undefined) parts.push(`${r.status} (${r.goalFraction.toFixed(2)} of goal)`);
  else if (r.goal?.maxRatio !== undefined) parts.push(r.status);
  if (r.overheadPerHopUs !== undefined)
    parts.push(`${r.overheadPerHopUs >= 0 ? "+" : ""}${Math.round(r.overheadPerHopUs)} µs/hop`);
  return parts.join(", ") || "—";
}

function fmt(value) {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}
