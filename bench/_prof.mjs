import { performance } from "node:perf_hooks";
import { buildTeam, checkSpec, memoryStore } from "@troupe/core";
import { builtinPatterns } from "@troupe/patterns";
import { supervisorSpec } from "/work/main/bench/compile.bench.mjs";
import { StateGraph } from "@langchain/langgraph";
const n = Number(process.argv[2] ?? 10000);
const raw = supervisorSpec(n);
for (let k = 0; k < 4; k++) {
  let t = performance.now();
  const { spec } = checkSpec(raw, { patterns: builtinPatterns });
  const tCheck = performance.now() - t; t = performance.now();
  // pattern compile only
  const p = builtinPatterns.find(p => p.name === "supervisor");
  const g = p.compile(spec, { spec, agents: new Map(), agentNode: () => async () => null });
  const tPattern = performance.now() - t; t = performance.now();
  g.compile({});
  const tLg = performance.now() - t; t = performance.now();
  buildTeam(spec, { patterns: builtinPatterns, model: { id: "x", generate: async () => null }, store: memoryStore() });
  const tBuild = performance.now() - t;
  console.log({ tCheck, tPattern, tLgCompile: tLg, tBuildTeam: tBuild });
}
