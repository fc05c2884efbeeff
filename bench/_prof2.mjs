import { buildTeam, checkSpec, memoryStore } from "@troupe/core";
import { builtinPatterns } from "@troupe/patterns";
import { supervisorSpec } from "/work/main/bench/compile.bench.mjs";
const raw = supervisorSpec(10000);
for (let k = 0; k < 6; k++) {
  const { spec } = checkSpec(raw, { patterns: builtinPatterns });
  buildTeam(spec, { patterns: builtinPatterns, model: { id: "x", generate: async () => null }, store: memoryStore() });
}
