// SQLite checkpoints: the 10-step chain with Troupe's sqliteStore (LangGraph's SqliteSaver plus
// Troupe's recorded answers and thread rows, one file) vs the same graph on SqliteSaver alone.
// Each side writes its own file in a fresh temp directory; both run in WAL mode.
import { chainSides } from "./lib/chain-sides.mjs";

export default [
  {
    id: "sqlite-chain-10",
    title: "10-step chain on SQLite: Troupe sqliteStore vs raw SqliteSaver",
    kind: "ratio",
    hops: 10,
    runs: 25,
    batch: 3,
    setup: async () => chainSides({ length: 10, checkpoints: "sqlite" }),
  },
];
