import type { SpecProblem } from "./spec-pattern.js";
import { specPath } from "./spec-issues.js";

/**
 * Bounds on a spec, checked before it is validated so that a hostile or broken file (an alias
 * bomb, 10k-deep nesting, a 10 MB string, a FIFO) is refused quickly with a path-named problem
 * instead of hanging or crashing the process. Real specs sit far below every bound.
 */
export const SPEC_LIMITS = {
  /** Largest spec file read, in bytes (checked with stat before reading). */
  maxFileBytes: 1024 * 1024,
  /** Deepest nesting of mappings and lists (the top-level mapping is depth 1). */
  maxDepth: 64,
  /** YAML alias expansion budget (the `yaml` package's maxAliasCount). */
  maxAliasCount: 100,
  /** Longest text value or key, in characters. */
  maxStringLength: 100_000,
  /** Most values (mappings, lists, scalars) in one spec, aliases counted each time they are used. */
  maxValues: 100_000,
} as const;

/** Keys that name JavaScript prototype machinery; a spec may not use them anywhere. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** The most problems one limits check reports; the rest are summed up in a last line. */
const MAX_REPORTED = 20;

interface Frame {
  value: unknown;
  path: PropertyKey[];
  depth: number;
}

/**
 * Problems with a parsed spec value that make it unsafe to validate: nesting deeper than
 * `maxDepth`, a value that contains itself, more than `maxValues` values, text longer than
 * `maxStringLength`, and prototype keys (`__proto__`, `constructor`, `prototype`). Each names its
 * path. The walk is iterative and bounded, so it cannot overflow the stack or loop.
 *
 * @example
 * const problems = specLimitProblems(JSON.parse(text));
 * if (problems.length) throw specError(problems, "team.json");
 */
export function specLimitProblems(raw: unknown): SpecProblem[] {
  const problems: SpecProblem[] = [];
  let dropped = 0;
  const report = (problem: SpecProblem) => (problems.length < MAX_REPORTED ? problems.push(problem) : dropped++);
  // containers on the path from the root to the value being visited: a value met again there contains itself
  const open = new Set<object>();
  const stack: (Frame | { close: object })[] = [{ value: raw, path: [], depth: 1 }];
  let values = 0;
  while (stack.length) {
    const frame = stack.pop()!;
    if ("close" in frame) {
      open.delete(frame.close);
      continue;
    }
    const { value, path, depth } = frame;
    if (++values > SPEC_LIMITS.maxValues) {
      report({
        path: "(root)",
        message: `the spec holds more than ${SPEC_LIMITS.maxValues} values (YAML aliases count each time they are used); a team spec is far smaller, split it or write it out plainly`,
      });
      break;
    }
    if (typeof value === "string") {
      if (value.length > SPEC_LIMITS.maxStringLength)
        report({
          path: shownPath(path),
          message: `is ${tooLong(value.length)}; shorten it (a prompt this long belongs in a file your code reads)`,
        });
      continue;
    }
    if (typeof value !== "object" || value === null) continue;
    const at = shownPath(path);
    if (open.has(value)) {
      report({
        path: at,
        message: "contains itself (a YAML alias inside its own anchor); write the value out instead",
      });
      continue;
    }
    if (depth > SPEC_LIMITS.maxDepth) {
      report({
        path: at,
        message: `nested deeper than ${SPEC_LIMITS.maxDepth} levels; a team spec needs a handful, flatten this value`,
      });
      continue;
    }
    open.add(value);
    stack.push({ close: value });
    const entries: [PropertyKey, unknown][] = Array.isArray(value)
      ? value.map((v, i) => [i, v])
      : Object.entries(value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      if (typeof key === "string" && key.length > SPEC_LIMITS.maxStringLength) {
        report({ path: at, message: `has a key ${tooLong(key.length)}; use a short name` });
        continue;
      }
      if (typeof key === "string" && PROTOTYPE_KEYS.has(key)) {
        report({
          path: specPath([...path, key]),
          message: `"${key}" is not allowed as a key anywhere in a spec (it names JavaScript prototype machinery); rename or remove it`,
        });
        continue;
      }
      stack.push({ value: child, path: [...path, key], depth: depth + 1 });
    }
  }
  if (dropped)
    problems.push({
      path: "(root)",
      message: `and ${dropped} more problem${dropped === 1 ? "" : "s"} like those above; fix them first`,
    });
  return problems;
}

/** A path as problems show it, with overlong keys cut so a hostile key cannot flood the message. */
function shownPath(path: readonly PropertyKey[]): string {
  return specPath(
    path.map((part) => (typeof part === "string" && part.length > 64 ? `${part.slice(0, 61)}...` : part)),
  );
}

function tooLong(length: number): string {
  return `${length} characters long, over the limit of ${SPEC_LIMITS.maxStringLength}`;
}
