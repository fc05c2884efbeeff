// Per-hop coordination overhead: an N-step chain as a Troupe team (every hop an agent call
// through the bus, cloned and validated) vs the same N-node graph in raw LangGraph, MemorySaver on
// both sides. The definePattern row isolates the core agent-call path from the custom pattern's
// own routing (edge matching, templates, counters).
import { chainSides } from "./lib/chain-sides.mjs";

const chain = (length, troupe, runs, batch) => ({
  id: troupe === "custom" ? `chain-${length}` : `chain-${length}-core`,
  title:
    troupe === "custom"
      ? `${length}-step chain: custom team vs raw LangGraph`
      : `${length}-step chain: minimal definePattern team vs raw LangGraph`,
  kind: "ratio",
  ...(troupe === "custom" ? { goal: { maxRatio: 1.1 } } : {}),
  hops: length,
  runs,
  batch,
  setup: async () => chainSides({ length, checkpoints: "memory", troupe }),
});

export default [chain(10, "custom", 31, 5), chain(100, "custom", 21, 1), chain(10, "definePattern", 21, 5)];
