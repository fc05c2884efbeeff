import {
  buildTeam,
  checkSpec,
  specError,
  type Agent,
  type AnyPattern,
  type BuildOptions,
  type Limits,
  type ResilienceInput,
  type StepDefinition,
  type Team,
  type Tool,
} from "@troupe/core";

/** Options every TypeScript pattern builder takes. */
export interface BuilderOptions extends Omit<BuildOptions, "patterns" | "agents" | "tools"> {
  name: string;
  description?: string;
  limits?: Partial<Limits>;
  /** Retries, circuit breakers, timeouts and fallbacks, as in a spec's `resilience` block. */
  resilience?: ResilienceInput;
  /** Patterns beside the built-ins (for sub-teams that use them). */
  patterns?: Iterable<AnyPattern>;
}

/** Tools and steps a pattern runs as graph nodes of their own (not through an agent). */
export interface NodeSources {
  tools?: Tool[];
  steps?: StepDefinition[];
}

/**
 * Turns agents defined in code plus pattern options into a validated spec and builds the team,
 * so a TypeScript team and a YAML team are the same thing underneath.
 */
export function teamFromAgents(
  pattern: AnyPattern,
  agents: Agent[],
  patternOptions: Record<string, unknown>,
  options: BuilderOptions,
  sources: NodeSources = {},
): Team {
  const spec = {
    name: options.name,
    ...(options.description ? { description: options.description } : {}),
    pattern: pattern.name,
    agents: Object.fromEntries(
      agents.map((a) => [
        a.name,
        {
          description: a.description,
          instructions: a.instructions,
          tools: a.tools.map((t) => t.name),
          ...(typeof a.model === "string" ? { model: a.model } : {}),
          maxSteps: a.maxSteps,
        },
      ]),
    ),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.resilience ? { resilience: options.resilience } : {}),
    ...patternOptions,
  };
  const patterns = [pattern, ...(options.patterns ?? [])];
  const tools = [...agents.flatMap((a) => a.tools), ...(sources.tools ?? [])];
  const { spec: valid, problems } = checkSpec(spec, {
    patterns,
    tools: tools.map((t) => t.name),
    models: Object.keys(options.models ?? {}),
  });
  if (!valid) throw specError(problems, `team ${options.name}`);
  return buildTeam(valid, { ...options, patterns, agents, tools, ...(sources.steps ? { steps: sources.steps } : {}) });
}
