// Both sides of a chain run: a Troupe team of N agents and the same graph in raw LangGraph, each
// with its own scripted model (same turns) and a checkpointer of the same kind.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemorySaver } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { buildTeam, checkSpec, memoryStore, specError } from "@troupe/core";
import { sqliteStore } from "@troupe/store-sqlite";
import { builtinPatterns } from "@troupe/patterns";
import { chainAgents, chainPattern, customChainSpec, patternChainSpec } from "./chain-specs.mjs";
import { rawChain } from "./raw-chain.mjs";
import { scriptedClient } from "./scripted-client.mjs";

/**
 * @param {{ length: number, checkpoints: "memory" | "sqlite", troupe?: "custom" | "definePattern" }} options
 */
export function chainSides({ length, checkpoints, troupe = "custom" }) {
  const chain = chainAgents(length);
  const raw = troupe === "custom" ? customChainSpec(length) : patternChainSpec(length);
  const patterns = troupe === "custom" ? builtinPatterns : [chainPattern];
  const { spec, problems } = checkSpec(raw, { patterns });
  if (!spec) throw specError(problems, raw.name);
  const scripts = Object.fromEntries(chain.order.map((name) => [name, [`${name} ok`]]));
  const expected = `${chain.order.at(-1)} ok`;
  const dir = checkpoints === "sqlite" ? mkdtempSync(join(tmpdir(), "troupe-bench-")) : undefined;

  const troupeModel = scriptedClient(scripts);
  const team = buildTeam(spec, {
    patterns,
    model: troupeModel,
    store: dir ? sqliteStore(join(dir, "troupe.sqlite")) : memoryStore(),
  });
  const rawModel = scriptedClient(scripts);
  const saver = dir ? SqliteSaver.fromConnString(join(dir, "raw.sqlite")) : new MemorySaver();
  const graph = rawChain(chain, rawModel, saver);

  return {
    baseline: {
      label: `raw LangGraph + ${dir ? "SqliteSaver" : "MemorySaver"}`,
      run: () =>
        graph.invoke({ input: "draft" }, { configurable: { thread_id: randomUUID() }, recursionLimit: length + 10 }),
      calls: () => rawModel.calls,
      verify: (state) =>
        state.output === expected
          ? undefined
          : `expected output ${JSON.stringify(expected)}, got ${JSON.stringify(state.output)}`,
    },
    candidate: {
      label: `Troupe ${troupe} team + ${dir ? "sqliteStore" : "memoryStore"}`,
      run: () => team.run("draft", { threadId: randomUUID() }),
      calls: () => troupeModel.calls,
      verify: (result) =>
        result.output === expected && result.steps.length === length
          ? undefined
          : `expected ${length} steps ending in ${JSON.stringify(expected)}, got ${result.steps.length} ending in ${JSON.stringify(result.output)}`,
    },
    async teardown() {
      await team.close();
      if (dir) {
        saver.db?.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
