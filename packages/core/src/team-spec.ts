import { z } from "zod";

const NAME = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/;

export const AgentSpecSchema = z
  .object({
    description: z.string().min(1, "must not be empty"),
    instructions: z.string().min(1, "must not be empty"),
    /** "offline", "claude-sonnet-4-6", "anthropic:<model>", or a name given in `models`. */
    model: z.string().min(1).optional(),
    tools: z.array(z.string()).default([]),
    maxSteps: z.int("must be a whole number").positive("must be greater than 0").optional(),
  })
  .strict();

export const LimitsSchema = z
  .object({
    /** Most agent turns in one run (default 12). */
    maxTurns: z.int("must be a whole number").positive("must be greater than 0").default(12),
    /** Most tokens (input + output) in one run. */
    maxTokens: z.int("must be a whole number").positive("must be greater than 0").optional(),
    /** Most USD in one run. */
    maxCostUsd: z.number("must be a number").positive("must be greater than 0").optional(),
    /** Longest one agent call may take, in ms. */
    agentTimeoutMs: z.int("must be a whole number").positive("must be greater than 0").optional(),
  })
  .strict();

/** The keys every pattern's spec has; a pattern adds its own with `options`. */
export const BaseSpecShape = {
  name: z.string().regex(NAME, "must start with a letter and use letters, digits, _ or -"),
  description: z.string().optional(),
  pattern: z.string(),
  /** Team-wide default model name. */
  model: z.string().min(1).optional(),
  agents: z.record(z.string().regex(NAME, "agent names start with a letter and use letters, digits, _ or -"), AgentSpecSchema),
  limits: LimitsSchema.default({ maxTurns: 12 }),
  /** Modules (relative to the spec file) whose exported tools and agents the spec may name. */
  imports: z.array(z.string().min(1)).default([]),
};

export const BaseSpecSchema = z.object(BaseSpecShape).strict();

export type AgentSpec = z.output<typeof AgentSpecSchema>;
export type Limits = z.output<typeof LimitsSchema>;
/** A validated team spec; pattern options sit beside the base keys. */
export type TeamSpec = z.output<typeof BaseSpecSchema> & Record<string, unknown>;
/** A team spec as written (defaults not yet applied). */
export type TeamSpecInput = z.input<typeof BaseSpecSchema> & Record<string, unknown>;
