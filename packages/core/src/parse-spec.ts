import { parseDocument } from "yaml";
import type { SpecProblem } from "./define-pattern.js";

/**
 * Parses spec text as YAML (a superset of JSON) or strict JSON, reporting syntax errors with
 * line and column instead of throwing.
 */
export function parseSpecText(text: string, format: "yaml" | "json" = "yaml"): { value?: unknown; problems: SpecProblem[] } {
  if (format === "json") {
    try {
      return { value: JSON.parse(text), problems: [] };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const pos = Number(/position (\d+)/.exec(message)?.[1] ?? NaN);
      const where = Number.isFinite(pos) ? lineColumn(text, pos) : undefined;
      return { problems: [{ path: where ? `line ${where.line}, column ${where.column}` : "(root)", message: `bad JSON: ${message.replace(/ in JSON at position \d+.*$/, "")}` }] };
    }
  }
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    return {
      problems: doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return { path: pos ? `line ${pos.line}, column ${pos.col}` : "(root)", message: `bad YAML: ${e.message.split("\n")[0]}` };
      }),
    };
  }
  return { value: doc.toJS(), problems: [] };
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}
