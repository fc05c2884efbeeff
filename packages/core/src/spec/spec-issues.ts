import type { z } from "zod";
import type { SpecProblem } from "./spec-pattern.js";
import { didYouMean } from "./suggest.js";

/**
 * Turns zod issues about a team spec into problems a spec author can act on: each names the path
 * of the bad field, says what is expected and shows what was written. The issues must come from a
 * parse with `reportInput: true` so the written value can be shown.
 */
export function specProblemsOf(issues: readonly z.core.$ZodIssue[], schema: z.ZodType): SpecProblem[] {
  const problems = issues.flatMap((issue) => problemsOf(issue, schema));
  // a misspelt key (`instruction`) also leaves the real key missing; report the typo once
  const typos = new Set(problems.flatMap((p) => (p.typoOf ? [p.typoOf] : [])));
  return problems.filter((p) => !(p.missing && typos.has(p.path))).map(({ path, message }) => ({ path, message }));
}

interface RawProblem extends SpecProblem {
  /** The path of the key an unknown key is likely a misspelling of. */
  typoOf?: string;
  /** True for "this required key is missing". */
  missing?: boolean;
}

/** ["agents", "my writer", "tools", 0] -> `agents["my writer"].tools[0]` */
export function specPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (!/^[A-Za-z_][\w-]*$/.test(String(part))) out += `[${JSON.stringify(String(part))}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || "(root)";
}

function problemsOf(issue: z.core.$ZodIssue, schema: z.ZodType): RawProblem[] {
  const path = specPath(issue.path);
  const custom = !/^(Invalid|Too small|Too big|Unrecognized)/.test(issue.message);
  const got = "input" in issue && issue.input !== undefined ? ` (got ${shown(issue.input)})` : "";
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = keysAt(schema, issue.path);
      return issue.keys.map((key) => {
        const hint = didYouMean(key, known);
        const typo = /did you mean "(.*)"/.exec(hint)?.[1];
        return {
          path: specPath([...issue.path, key]),
          message: `unknown key${hint}; ${known.length ? `allowed here: ${known.join(", ")}` : "remove it"}`,
          ...(typo ? { typoOf: specPath([...issue.path, typo]) } : {}),
        };
      });
    }
    case "invalid_type": {
      const key = issue.path.at(-1);
      if (issue.input === undefined && typeof key === "string") {
        return [{ path, message: `missing; add a "${key}" key (${expectedName(issue.expected)})`, missing: true }];
      }
      return [{ path, message: custom ? `${issue.message}${got}` : `must be ${expectedName(issue.expected)}${got}` }];
    }
    case "too_small":
    case "too_big":
      // only a number is worth echoing: "" is plainly empty and a list is shown by its length
      return [
        { path, message: `${custom ? issue.message : rangeText(issue)}${typeof issue.input === "number" ? got : ""}` },
      ];
    case "invalid_value":
      return [
        {
          path,
          message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}${didYouMean(String(issue.input), issue.values.map(String))}${got}`,
        },
      ];
    case "invalid_key": {
      const key = String(issue.input ?? issue.path.at(-1));
      const rename = key.replace(/[^A-Za-z0-9_-]+/g, "_").replace(/^[^A-Za-z]+/, "");
      const reason = issue.issues.map((i) => i.message).join("; ");
      return [{ path, message: `bad name ${JSON.stringify(key)}: ${reason}${rename ? ` (e.g. "${rename}")` : ""}` }];
    }
    default:
      return [
        { path, message: `${issue.message.replace(/^Invalid input:?\s*/, "") || "invalid value"}${custom ? got : ""}` },
      ];
  }
}

/** A written value as a message shows it: short scalars verbatim, collections by kind. */
function shown(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value !== null && typeof value === "object") return "a mapping";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function expectedName(expected: string): string {
  const names: Record<string, string> = {
    string: "text",
    number: "a number",
    int: "a whole number",
    boolean: "true or false",
    object: "a mapping (key: value lines)",
    record: "a mapping (name: value lines)",
    array: "a list",
  };
  return names[expected] ?? expected;
}

function rangeText(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === "too_small";
  const bound = Number(small ? issue.minimum : issue.maximum);
  if (issue.origin === "string")
    return small && bound === 1
      ? "must not be empty"
      : `must be ${small ? "at least" : "at most"} ${bound} characters long`;
  if (issue.origin === "array" || issue.origin === "set")
    return `must list ${small ? "at least" : "at most"} ${bound} item${bound === 1 ? "" : "s"}`;
  if (issue.inclusive === false) return `must be ${small ? "greater" : "less"} than ${bound}`;
  return `must be ${small ? "at least" : "at most"} ${bound}`;
}

/** The keys an object schema allows at `path`, walking through records, arrays and wrappers. */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: unknown = schema;
  const steps = [...path];
  for (;;) {
    const def = (node as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return [];
    const type = def.type as string;
    if (
      type === "optional" ||
      type === "default" ||
      type === "nullable" ||
      type === "prefault" ||
      type === "readonly"
    ) {
      node = def.innerType;
      continue;
    }
    if (steps.length === 0) return type === "object" ? Object.keys(def.shape as object) : [];
    const step = steps.shift();
    if (type === "object") node = (def.shape as Record<string, unknown>)[String(step)];
    else if (type === "record") node = def.valueType;
    else if (type === "array") node = def.element;
    else return [];
  }
}
