import { z } from "zod";
import { toTroupeError, TroupeError } from "../errors.js";
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

/**
 * Runs one attempt of `work` with its own AbortSignal (joined to `signal`): not started when
 * `signal` is already aborted; when it outlives `timeoutMs` it is aborted and rejects with
 * TOOL_TIMEOUT (retryable), so a late attempt cannot finish its side effect after a retry won.
 * A plain throw becomes TOOL_FAILED with the tool's own message.
 *
 * @example
 * await runAttempt("charge_card", (signal) => fetch(url, { signal }), run.signal, 5000);
 */
export async function runAttempt<T>(
  name: string,
  work: (signal: AbortSignal) => Promise<T> | T,
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
): Promise<T> {
  signal?.throwIfAborted();
  const attempt = new AbortController();
  const joined = signal ? AbortSignal.any([signal, attempt.signal]) : attempt.signal;
  // a plain throw is the tool's own failure: TOOL_FAILED with its message, never INTERNAL
  const running = Promise.resolve()
    .then(() => work(joined))
    .catch((error: unknown) => {
      throw toTroupeError(error, "TOOL_FAILED", `tool ${name}`);
    });
  if (!timeoutMs) return running;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new TroupeError(
        "TOOL_TIMEOUT",
        `tool ${name} timed out after ${timeoutMs} ms; the attempt was aborted`,
        { details: { tool: name, timeoutMs } },
      );
      attempt.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([running, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function isTool(value: unknown): value is Tool {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "troupe.tool";
}

/** JSON Schema (draft 2020-12 minus $schema) of a zod schema, as the Messages API wants it. */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: "draft-2020-12", unrepresentable: "any" }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/** "query: expected string, received number; limit: too big" */
export function formatZodIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? formatPath(issue.path) + ": " : ""}${issue.message}`)
    .join("; ");
}

/** ["agents", "writer", "tools", 0] -> "agents.writer.tools[0]" */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
