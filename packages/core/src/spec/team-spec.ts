import { z } from "zod";
import { ResilienceSchema } from "../protocol/resilience-policy.js";
import { SPEC_NAME, SPEC_NAME_RULE, TOOL_NAME, TOOL_NAME_RULE } from "../protocol/spec-names.js";

const WHOLE = "must be a whole number of at least 1";
const DOLLARS = "must be a number of US dollars greater than 0";
const MODEL_EMPTY =
  'must not be empty; name a model ("offline", "claude-sonnet-4-6", "anthropic:<model>") or leave the key out';

export const AgentSpecSchema = z
  .object({
    description: z
      .string()
      .min(1, "must not be empty; say in one line what this agent does (teammates and routers read it)"),
    instructions: z.string().min(1, "must not be empty; write what this agent should do (its system prompt)"),
    /** "offline", "claude-sonnet-4-6", "anthropic:<model>", or a name given in `models`. */
    model: z.string().min(1, MODEL_EMPTY).optional(),
    tools: z.array(z.string().regex(TOOL_NAME, `${TOOL_NAME_RULE}; name a tool your imports export`)).default([]),
    maxSteps: z.int(WHOLE).positive(WHOLE).optional(),
  })
  .strict();

export const LimitsSchema = z
  .object({
    /** Most agent turns in one run (default 12). */
    maxTurns: z.int(WHOLE).positive(WHOLE).default(12),
    /** Most tokens (input + output) in one run. */
    maxTokens: z.int(WHOLE).positive(WHOLE).optional(),
    /** Most USD in one run. */
    maxCostUsd: z.number(DOLLARS).positive(DOLLARS).optional(),
    /** Longest a whole run may take, in ms: past it, in-flight calls are aborted and the run fails (RUN_TIMEOUT), compensating. */
    runTimeoutMs: z.int(WHOLE).positive(WHOLE).optional(),
    /** Longest one agent call may take, in ms. */
    agentTimeoutMs: z.int(WHOLE).positive(WHOLE).optional(),
  })
  .strict();

/** The keys every pattern's spec has; a pattern adds its own with `options`. */
export const BaseSpecShape = {
  name: z.string().regex(SPEC_NAME, SPEC_NAME_RULE),
  description: z.string().optional(),
  pattern: z.string(),
  /** Team-wide default model name. */
  model: z.string().min(1, MODEL_EMPTY).optional(),
  agents: z.record(z.string().regex(SPEC_NAME, `an agent name ${SPEC_NAME_RULE}; rename it`), AgentSpecSchema),
  limits: LimitsSchema.default({ maxTurns: 12 }),
  /** Retries, circuit breakers, timeouts and fallbacks (all defaulted). */
  resilience: ResilienceSchema.optional(),
  /** Modules (relative to the spec file) whose exported tools and agents the spec may name. */
  imports: z.array(z.string().min(1, "must not be empty; give a module path relative to the spec file")).default([]),
};

export const BaseSpecSchema = z.object(BaseSpecShape).strict();

export type AgentSpec = z.output<typeof AgentSpecSchema>;
export type Limits = z.output<typeof LimitsSchema>;
/** A validated team spec; pattern options sit beside the base keys. */
export type TeamSpec = z.output<typeof BaseSpecSchema> & Record<string, unknown>;
/** A team spec as written (defaults not yet applied). */
export type TeamSpecInput = z.input<typeof BaseSpecSchema> & Record<string, unknown>;
