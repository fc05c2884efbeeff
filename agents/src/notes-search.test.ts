import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isTroupeError } from "@troupe/core";
import { notesSearch } from "./notes-search.js";

const ctx = { runId: "r", threadId: "t", agent: "a", idempotencyKey: "k", signal: new AbortController().signal };

describe("notesSearch", () => {
  const dir = mkdtempSync(join(tmpdir(), "notes-"));
  writeFileSync(
    join(dir, "sagas.md"),
    "# Sagas\n\nA saga undoes steps with compensations. It runs them in reverse order. Unrelated sentence.",
  );
  writeFileSync(join(dir, "breakers.md"), "# Circuit breakers\n\nA breaker opens after failures.");
  writeFileSync(join(dir, "ignored.json"), "{}");
  const tool = notesSearch({ dir });

  it("ranks notes by the query's words and returns a snippet of the matching sentences with the source file", async () => {
    const hits = await tool.invoke({ query: "saga compensation order" }, ctx);
    expect(hits.map((h) => h.source)).toEqual(["sagas.md"]);
    expect(hits[0]).toMatchObject({
      title: "Sagas",
      snippet: "A saga undoes steps with compensations. It runs them in reverse order.",
    });
  });

  it("returns nothing for words no note has, and respects the limit", async () => {
    expect(await tool.invoke({ query: "kubernetes" }, ctx)).toEqual([]);
    expect(await tool.invoke({ query: "saga breaker", limit: 1 }, ctx)).toHaveLength(1);
  });

  it("rejects bad input naming the field", async () => {
    const error = await tool.invoke({ query: "" }, ctx).catch((e: unknown) => e);
    expect(isTroupeError(error, "TOOL_INPUT_INVALID")).toBe(true);
    expect((error as Error).message).toContain("query");
  });
});
