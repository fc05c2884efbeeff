import type { z } from "zod";
import { TroupeError } from "../errors.js";
import { SPEC_NAME } from "../protocol/spec-names.js";
import type { ModelClient } from "../protocol/model-client.js";
import type { Tool } from "./define-tool.js";

export interface AgentConfig<
  I extends z.ZodType | undefined = z.ZodType | undefined,
  O extends z.ZodType | undefined = z.ZodType | undefined,
> {
  name: string;
  description: string;
  instructions: string;
  /** A model client, or a model name resolved by the team ("claude-sonnet-4-5", "offline"). */
  model?: ModelClient | string;
  tools?: Tool[];
  /** Schema of the typed input a caller may pass. */
  input?: I;
  /** Schema of the structured answer; the model answers through a `respond` tool validated against it. */
  output?: O;
  /** Most model calls in one request (default 8). */
  maxSteps?: number;
}

export interface Agent<
  I extends z.ZodType | undefined = z.ZodType | undefined,
  O extends z.ZodType | undefined = z.ZodType | undefined,
> extends AgentConfig<I, O> {
  readonly kind: "troupe.agent";
  readonly tools: Tool[];
  readonly maxSteps: number;
}

/**
 * Defines an agent: instructions, a model, tools, and optional typed input and output.
 *
 * @example
 * const researcher = defineAgent({
 *   name: "researcher", description: "Finds facts in the notes",
 *   instructions: "Answer with facts and their sources.", tools: [searchNotes],
 *   output: z.object({ facts: z.array(z.string()), sources: z.array(z.string()) }),
 * });
 */
export function defineAgent<I extends z.ZodType | undefined = undefined, O extends z.ZodType | undefined = undefined>(
  config: AgentConfig<I, O>,
): Agent<I, O> {
  if (!SPEC_NAME.test(config.name)) {
    throw new TroupeError(
      "SPEC_INVALID",
      `agent name "${config.name}" must start with a letter and use letters, digits, _ or - (max 64)`,
    );
  }
  const tools = config.tools ?? [];
  const seen = new Set<string>();
  for (const tool of tools) {
    if (seen.has(tool.name))
      throw new TroupeError("SPEC_INVALID", `agent ${config.name}: tool "${tool.name}" is listed twice`);
    seen.add(tool.name);
  }
  const maxSteps = config.maxSteps ?? 8;
  if (!Number.isInteger(maxSteps) || maxSteps < 1) {
    throw new TroupeError("SPEC_INVALID", `agent ${config.name}: maxSteps must be a positive integer, got ${maxSteps}`);
  }
  return { ...config, kind: "troupe.agent", tools, maxSteps };
}

export function isAgent(value: unknown): value is Agent {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "troupe.agent";
}
