import { isDeepStrictEqual } from "node:util";
import type { GraphConditionSpec } from "./custom-spec.js";

/** The operators a condition may use; exactly one per condition. */
export const CONDITION_OPERATORS = ["equals", "notEquals", "contains", "exists"] as const;

/**
 * The value at a dotted path (`outputs.critic.score`, `scratch.items.0`) in a state-like object;
 * undefined where the path leads nowhere.
 *
 * @example
 * readPath({ scratch: { verdict: "revise" } }, "scratch.verdict"); // "revise"
 */
export function readPath(root: unknown, path: string): unknown {
  let value = root;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    if (Array.isArray(value)) {
      if (!/^\d+$/.test(key)) return undefined;
      value = value[Number(key)];
    } else {
      if (!Object.prototype.hasOwnProperty.call(value, key)) return undefined;
      value = (value as Record<string, unknown>)[key];
    }
  }
  return value;
}

/**
 * Whether a declarative condition holds for a state. Only data is compared; nothing in the spec
 * is evaluated as code.
 *
 * @example
 * conditionHolds({ path: "outputs.critic", contains: "APPROVED" }, state);
 */
export function conditionHolds(condition: GraphConditionSpec, state: unknown): boolean {
  const value = readPath(state, condition.path);
  // a missing value compares as null, so `equals: null` also matches a key never set
  if ("equals" in condition) return isDeepStrictEqual(value ?? null, condition.equals ?? null);
  if ("notEquals" in condition) return !isDeepStrictEqual(value ?? null, condition.notEquals ?? null);
  if (condition.contains !== undefined) {
    if (typeof value === "string") return value.includes(String(condition.contains));
    if (Array.isArray(value)) return value.some((item) => isDeepStrictEqual(item, condition.contains));
    return false;
  }
  if (condition.exists !== undefined) return (value !== undefined && value !== null) === condition.exists;
  return false;
}

/** The operators a condition uses (a valid one uses exactly one). */
export function operatorsOf(condition: GraphConditionSpec): string[] {
  return CONDITION_OPERATORS.filter(
    (op) => op in condition && (op === "equals" || op === "notEquals" || condition[op] !== undefined),
  );
}
