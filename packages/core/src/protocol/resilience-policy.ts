import { z } from "zod";

const WHOLE = "must be a whole number of at least 0";
const POSITIVE = "must be a whole number of at least 1";

export const RetrySpecSchema = z
  .object({
    /** Attempts after the first. */
    maxRetries: z.int(WHOLE).min(0, WHOLE).default(2),
    /** First backoff, doubled each attempt, with full jitter. */
    baseDelayMs: z.int(WHOLE).min(0, WHOLE).default(200),
    maxDelayMs: z.int(WHOLE).min(0, WHOLE).default(5000),
  })
  .strict();

export const BreakerSpecSchema = z
  .object({
    errorThresholdPercentage: z
      .number()
      .min(1, "must be between 1 and 100")
      .max(100, "must be between 1 and 100")
      .default(50),
    volumeThreshold: z.int(POSITIVE).positive(POSITIVE).default(5),
    resetTimeoutMs: z.int(POSITIVE).positive(POSITIVE).default(30_000),
    timeoutMs: z.int(POSITIVE).positive(POSITIVE).optional(),
    windowMs: z.int(POSITIVE).positive(POSITIVE).default(10_000),
  })
  .strict();

const PolicyShape = {
  retry: RetrySpecSchema.optional(),
  /** `false` turns the breaker off for this one. */
  breaker: z.union([BreakerSpecSchema, z.literal(false)]).optional(),
  timeoutMs: z.int(POSITIVE).positive(POSITIVE).optional(),
};

export const AgentPolicySchema = z
  .object({
    ...PolicyShape,
    /** Agent that answers when this one fails or its breaker is open. */ fallback: z.string().optional(),
  })
  .strict();
export const ModelPolicySchema = z
  .object({
    ...PolicyShape,
    /** Model that answers when this one fails or its breaker is open. */ fallback: z.string().optional(),
  })
  .strict();
export const ToolPolicySchema = z.object(PolicyShape).strict();

/**
 * How a team survives failures: retries with backoff and jitter, circuit breakers per agent,
 * tool and model, timeouts, and fallbacks. Everything has a default.
 */
export const ResilienceSchema = z
  .object({
    /** Default retry policy for agent calls, tools and compensations. */
    retry: RetrySpecSchema.default({ maxRetries: 2, baseDelayMs: 200, maxDelayMs: 5000 }),
    /** Default breaker for every agent, tool and model. */
    breaker: BreakerSpecSchema.default({
      errorThresholdPercentage: 50,
      volumeThreshold: 5,
      resetTimeoutMs: 30_000,
      windowMs: 10_000,
    }),
    agents: z.record(z.string(), AgentPolicySchema).default({}),
    tools: z.record(z.string(), ToolPolicySchema).default({}),
    models: z.record(z.string(), ModelPolicySchema).default({}),
  })
  .strict();

/**
 * The part of a team's resilience block an agent's host applies (tool retries and breakers, model
 * retries, breakers and fallbacks). It travels with each agent request, so a `troupe worker` applies
 * the caller's policy; agent policies stay with the caller, which makes the agent calls.
 */
export const HostResilienceSchema = ResilienceSchema.omit({ agents: true });

export type RetrySpec = z.output<typeof RetrySpecSchema>;
export type HostResilience = z.output<typeof HostResilienceSchema>;
export type BreakerSpec = z.output<typeof BreakerSpecSchema>;
export type Resilience = z.output<typeof ResilienceSchema>;
/** The resilience block as written (every key optional). */
export type ResilienceInput = z.input<typeof ResilienceSchema>;
export type AgentPolicy = z.output<typeof AgentPolicySchema>;

/** The resilience block with every default applied. */
export const defaultResilience = (): Resilience => ResilienceSchema.parse({});

/**
 * The part of a resilience block an agent's host applies, as an agent request carries it.
 *
 * @example
 * const request = { ...call, resilience: hostResilience(team.resilience) };
 */
export function hostResilience(resilience: HostResilience): HostResilience {
  const { retry, breaker, tools, models } = resilience;
  return { retry, breaker, tools, models };
}
