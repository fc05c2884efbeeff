import { z } from "zod";
import { TroupeError } from "../errors.js";
import { formatZodIssues, jsonSchemaOf } from "../zod-format.js";
import { runAttempt } from "../resilience/run-attempt.js";
import { TOOL_NAME } from "../protocol/spec-names.js";
import type { ToolSpec } from "../protocol/model-client.js";

/** What a tool's `run` receives besides its input. */
export interface ToolContext {
  runId: string;
  threadId: string;
  agent: string;
  /**
   * Unique per call (thread, user turn, turn, caller, graph node and branch, tool-use id) and the
   * same on resume and retry: make side effects idempotent by it (a payment API's idempotency key).
   */
  idempotencyKey: string;
  /**
   * Aborted when the run is cancelled or times out, or this attempt passes its timeout (a retry may
   * follow): stop and throw. An attempt that ignores it may still finish after a retry started.
   */
  signal: AbortSignal;
}

export interface ToolConfig<I extends z.ZodType, O> {
  name: string;
  description: string;
  input: I;
  // method syntax (not arrow properties) so a Tool<typed input> is assignable to Tool, e.g. in defineAgent({ tools })
  run(input: z.infer<I>, ctx: ToolContext): Promise<O> | O;
  /** Makes the tool a saga step: undoes a completed call when the run fails. */
  compensate?(input: z.infer<I>, output: O, ctx: ToolContext): Promise<void> | void;
  /** Safe to call twice with the same input: transient failures are then retried with the team's retry policy (others only with a policy of their own under resilience.tools). */
  idempotent?: boolean;
  /** Time one attempt may take; then its signal is aborted and it fails with TOOL_TIMEOUT (retried only when idempotent or with a policy). resilience.tools.<name>.timeoutMs overrides it. */
  timeoutMs?: number;
  /** When true, a failure of this tool fails the agent call (and so the run) instead of being reported to the model. */
  critical?: boolean;
  /** Asks for a person's approval before the call runs, when this returns a requirement. */
  approval?: (input: z.infer<I>) => ApprovalRequirement | undefined;
}

/** Who must approve a tool call, and how fast. */
export interface ApprovalRequirement {
  reason: string;
  /** Approvers in escalation order: the first decides, or the next one once the SLA passes. */
  approvers: string[];
  /** Time each approver has, ms. */
  slaMs: number;
}

/** A tool ready for agents: validated input, JSON Schema for models. */
export interface Tool<I extends z.ZodType = z.ZodType, O = unknown> extends ToolConfig<I, O> {
  readonly kind: "troupe.tool";
  readonly spec: ToolSpec;
  /** Validates input against the schema, then runs. Throws TOOL_INPUT_INVALID naming the bad field. */
  invoke(input: unknown, ctx: ToolContext): Promise<O>;
}

/**
 * Defines a tool an agent can call. Input is validated with the zod schema before `run`.
 *
 * @example
 * const searchNotes = defineTool({
 *   name: "search_notes", description: "Search the team's notes",
 *   input: z.object({ query: z.string() }),
 *   run: async ({ query }) => notes.search(query),
 * });
 */
export function defineTool<I extends z.ZodType, O>(config: ToolConfig<I, O>): Tool<I, O> {
  if (!TOOL_NAME.test(config.name)) {
    throw new TroupeError(
      "SPEC_INVALID",
      `tool name "${config.name}" must match ${TOOL_NAME} (letters, digits, _ and -)`,
    );
  }
  const spec: ToolSpec = {
    name: config.name,
    description: config.description,
    inputSchema: jsonSchemaOf(config.input),
  };
  return {
    ...config,
    kind: "troupe.tool",
    spec,
    async invoke(input, ctx) {
      const parsed = config.input.safeParse(input);
      if (!parsed.success) {
        throw new TroupeError("TOOL_INPUT_INVALID", `tool ${config.name}: ${formatZodIssues(parsed.error)}`, {
          details: { tool: config.name },
        });
      }
      return runAttempt(
        config.name,
        (signal) => config.run(parsed.data, { ...ctx, signal }),
        ctx.signal,
        config.timeoutMs,
      );
    },
  };
}

export function isTool(value: unknown): value is Tool {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "troupe.tool";
}
