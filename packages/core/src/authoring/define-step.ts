import { TroupeError } from "../errors.js";
import { SPEC_NAME } from "../protocol/spec-names.js";
import type { TeamStateValue } from "../protocol/team-state.js";

/** What a step's `run` receives besides the state. */
export interface StepContext {
  runId: string;
  threadId: string;
  /** The graph node running the step (one step may back several nodes). */
  node: string;
  signal: AbortSignal;
}

/** The team state as a step reads it. A step changes state only through the update it returns. */
export type StepState = Readonly<TeamStateValue>;

/** What a step may change: its own output (`outputs[<node>]`) and pattern data (`scratch`, merged by key). */
export interface StepUpdate {
  output?: unknown;
  scratch?: Record<string, unknown>;
}

export interface StepConfig {
  name: string;
  description?: string;
  run: (state: StepState, ctx: StepContext) => Promise<StepUpdate | void> | StepUpdate | void;
}

/** A plain function a graph node can run (a `step:` node in a custom graph). */
export interface StepDefinition extends StepConfig {
  readonly kind: "troupe.step";
}

/**
 * Defines a step: deterministic code a custom graph runs as a node, with no model call. It reads
 * the team state and returns what to change: `output` (stored as the node's output) and `scratch`
 * keys (which edge conditions can test). Export it from a module the spec lists under `imports`.
 *
 * @example
 * export const tally = defineStep({
 *   name: "tally", description: "Counts the votes of the reviewers",
 *   run: (state) => {
 *     const votes = ["r1", "r2", "r3"].map((n) => String(state.outputs[n]));
 *     const yes = votes.filter((v) => v.includes("APPROVE")).length;
 *     return { output: `${yes}/3 approve`, scratch: { verdict: yes >= 2 ? "ship" : "revise" } };
 *   },
 * });
 */
export function defineStep(config: StepConfig): StepDefinition {
  if (!SPEC_NAME.test(config.name)) {
    throw new TroupeError(
      "SPEC_INVALID",
      `step name "${config.name}" must match ${SPEC_NAME} (a letter, then letters, digits, _ or -)`,
    );
  }
  return { ...config, kind: "troupe.step" };
}

/**
 * True for a value made by {@link defineStep}.
 *
 * @example
 * const steps = Object.values(await import("./steps.js")).filter(isStep);
 */
export function isStep(value: unknown): value is StepDefinition {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "troupe.step";
}

/**
 * Checks what a step returned: nothing, or an object with only `output` and `scratch` (a mapping).
 * Throws TOOL_FAILED naming the step otherwise, so a mistake in user code fails the run clearly.
 *
 * @example
 * const update = readStepUpdate(step.name, await step.run(state, ctx));
 */
export function readStepUpdate(name: string, value: unknown): StepUpdate {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new TroupeError(
      "TOOL_FAILED",
      `step ${name} returned ${Array.isArray(value) ? "a list" : typeof value}; return { output?, scratch? } or nothing`,
    );
  }
  const extra = Object.keys(value).filter((k) => k !== "output" && k !== "scratch");
  if (extra.length) {
    throw new TroupeError(
      "TOOL_FAILED",
      `step ${name} returned unknown key${extra.length > 1 ? "s" : ""} ${extra.map((k) => `"${k}"`).join(", ")}; a step may return only output and scratch`,
    );
  }
  const { output, scratch } = value as { output?: unknown; scratch?: unknown };
  if (scratch !== undefined && (typeof scratch !== "object" || scratch === null || Array.isArray(scratch))) {
    throw new TroupeError(
      "TOOL_FAILED",
      `step ${name} returned a scratch that is not a mapping; return scratch: { key: value }`,
    );
  }
  return {
    ...("output" in value ? { output } : {}),
    ...(scratch ? { scratch: scratch as Record<string, unknown> } : {}),
  };
}
