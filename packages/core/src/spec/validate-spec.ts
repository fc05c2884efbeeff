import type { SpecPattern, SpecProblem } from "./spec-pattern.js";
import { DEFAULT_CLAUDE_MODEL, KNOWN_CLAUDE_MODELS } from "../models/anthropic-model.js";
import { DELEGATE_TOOL, FINISH_TOOL, RESPOND_TOOL, TRANSFER_PREFIX } from "../protocol/directive-tools.js";
import { TroupeError } from "../errors.js";
import { isKnownModelName } from "../models/resolve-model.js";
import { didYouMean } from "./suggest.js";
import { specProblemsOf } from "./spec-issues.js";
import { specLimitProblems } from "./spec-limits.js";
import { AgentSpecSchema, BaseSpecSchema, type AgentSpec, type TeamSpec } from "./team-spec.js";
import { TeamState } from "../protocol/team-state.js";

export interface ValidateOptions {
  patterns: Iterable<SpecPattern>;
  /** Tool names the spec may use (imported or given in code). */
  tools?: Iterable<string>;
  /** Model names given in code, beside "offline" and Claude names. */
  models?: Iterable<string>;
}

export interface SpecCheck {
  spec?: TeamSpec;
  problems: SpecProblem[];
}

/**
 * Checks a spec without throwing: the validated spec (defaults applied), or one problem per
 * mistake, each naming the path of the bad field and what to do
 * (`agents.writer.tools[0]: unknown tool "serch" (did you mean "search"?)`). A value past the
 * spec limits (nesting, size, prototype keys; see SPEC_LIMITS) gets only those problems.
 *
 * @example
 * const { spec, problems } = checkSpec(YAML.parse(text), { patterns: builtinPatterns, tools: ["search_notes"] });
 * for (const p of problems) console.log(`${p.path}: ${p.message}`);
 */
export function checkSpec(raw: unknown, options: ValidateOptions): SpecCheck {
  const patterns = new Map([...options.patterns].map((p) => [p.name, p]));
  const known = [...patterns.keys()].join(", ");
  if (raw === null || raw === undefined) {
    return {
      problems: [{ path: "(root)", message: "the spec is empty; write a mapping with name, pattern and agents" }],
    };
  }
  if (typeof raw !== "object" || Array.isArray(raw)) {
    const got = Array.isArray(raw) ? "a list" : JSON.stringify(raw);
    return {
      problems: [
        { path: "(root)", message: `a team spec must be a mapping of keys (name, pattern, agents, ...), not ${got}` },
      ],
    };
  }
  // a value past the limits (or with prototype keys) is not walked any further
  const limits = specLimitProblems(raw);
  if (limits.length) return { problems: limits };
  const record = raw as Record<string, unknown>;
  const problems: SpecProblem[] = [];
  const pattern = typeof record.pattern === "string" ? patterns.get(record.pattern) : undefined;
  if (record.pattern === undefined) {
    problems.push({ path: "pattern", message: `missing; add a "pattern" key, one of: ${known}` });
  } else if (!pattern) {
    problems.push({
      path: "pattern",
      message: `unknown pattern ${JSON.stringify(record.pattern)}${didYouMean(String(record.pattern), patterns.keys())}; known: ${known}`,
    });
  }
  if (isMapping(record.agents) && Object.keys(record.agents).length === 0) {
    problems.push({
      path: "agents",
      message: "no agents defined; add at least one (name: { description, instructions })",
    });
  }
  const schema = pattern ? BaseSpecSchema.extend(pattern.options.shape).strict() : BaseSpecSchema.loose();
  const parsed = schema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    // when `pattern` is missing or unknown, the problem above already says so
    problems.push(...specProblemsOf(parsed.error.issues, schema).filter((p) => pattern || p.path !== "pattern"));
    // agents that are well-formed on their own still get their tools and models checked
    problems.push(...checkAgents(wellFormedAgents(record.agents), record.model, options));
    return { problems };
  }
  const spec = parsed.data as TeamSpec;
  problems.push(...checkAgents(spec.agents, spec.model, options));
  problems.push(...checkResilience(spec, options));
  if (pattern?.check) problems.push(...pattern.check(spec));
  return problems.length || !pattern ? { problems } : { spec, problems };
}

/**
 * Validates a spec, throwing SPEC_INVALID with every problem (one per line) when it is wrong.
 *
 * @example
 * const spec = validateSpec(YAML.parse(text), { patterns: builtinPatterns });
 */
export function validateSpec(raw: unknown, options: ValidateOptions): TeamSpec {
  const { spec, problems } = checkSpec(raw, options);
  if (!spec) throw specError(problems);
  return spec;
}

/**
 * The SPEC_INVALID error for `problems`: a heading, then one `path: message` line per problem;
 * `details.problems` keeps them as data.
 *
 * @example
 * throw specError([{ path: "limits.maxTurns", message: "must be a whole number of at least 1 (got 0)" }], "team.yaml");
 */
export function specError(problems: SpecProblem[], source?: string): TroupeError {
  const lines = problems.map((p) => `${p.path}: ${p.message.replace(/\s*\n\s*/g, " ")}`);
  const count = `${problems.length} problem${problems.length === 1 ? "" : "s"}`;
  return new TroupeError(
    "SPEC_INVALID",
    `${source ? `${source}: ` : ""}invalid team spec (${count}):\n${lines.join("\n")}`,
    { details: { problems } },
  );
}

/** The entries of a raw `agents` value that pass the agent schema on their own. */
function wellFormedAgents(agents: unknown): Record<string, AgentSpec> {
  if (!isMapping(agents)) return {};
  const out: Record<string, AgentSpec> = {};
  for (const [name, entry] of Object.entries(agents)) {
    const parsed = AgentSpecSchema.safeParse(entry);
    if (parsed.success) out[name] = parsed.data;
  }
  return out;
}

function checkAgents(agents: Record<string, AgentSpec>, teamModel: unknown, options: ValidateOptions): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const tools = new Set(options.tools ?? []);
  const models = new Set(options.models ?? []);
  const reserved = new Set([DELEGATE_TOOL, FINISH_TOOL, RESPOND_TOOL]);
  if (typeof teamModel === "string" && teamModel && !isKnownModelName(teamModel, models))
    problems.push({ path: "model", message: unknownModel(teamModel, models) });
  for (const [name, agent] of Object.entries(agents)) {
    if (RESERVED_AGENT_NAMES.has(name)) {
      problems.push({
        path: `agents.${name}`,
        message: `"${name}" is reserved (a team state key); rename the agent, e.g. "${name}_agent"`,
      });
    }
    agent.tools.forEach((tool, i) => {
      const path = `agents.${name}.tools[${i}]`;
      if (agent.tools.indexOf(tool) !== i) {
        problems.push({ path, message: `tool "${tool}" is listed twice; remove this entry` });
      } else if (reserved.has(tool) || tool.startsWith(TRANSFER_PREFIX)) {
        problems.push({
          path,
          message: `"${tool}" is reserved for coordination; remove it, the pattern gives agents this tool itself`,
        });
      } else if (!tools.has(tool)) {
        const where = tools.size
          ? `; known tools: ${[...tools].join(", ")}`
          : "; no tools are defined (list a module that exports tools under imports)";
        problems.push({ path, message: `unknown tool ${JSON.stringify(tool)}${didYouMean(tool, tools)}${where}` });
      }
    });
    if (agent.model !== undefined && !isKnownModelName(agent.model, models)) {
      problems.push({ path: `agents.${name}.model`, message: unknownModel(agent.model, models) });
    }
  }
  return problems;
}

function checkResilience(spec: TeamSpec, options: ValidateOptions): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const resilience = spec.resilience;
  if (!resilience) return problems;
  const agents = Object.keys(spec.agents);
  const tools = new Set(options.tools ?? []);
  const models = new Set(options.models ?? []);
  for (const [name, policy] of Object.entries(resilience.agents ?? {})) {
    if (!spec.agents[name])
      problems.push({
        path: `resilience.agents.${name}`,
        message: `unknown agent${didYouMean(name, agents)}; known: ${agents.join(", ")}`,
      });
    if (policy.fallback !== undefined) {
      if (!spec.agents[policy.fallback]) {
        problems.push({
          path: `resilience.agents.${name}.fallback`,
          message: `unknown agent ${JSON.stringify(policy.fallback)}${didYouMean(policy.fallback, agents)}`,
        });
      } else if (policy.fallback === name) {
        problems.push({
          path: `resilience.agents.${name}.fallback`,
          message: "an agent cannot be its own fallback; name another agent",
        });
      }
    }
  }
  for (const name of Object.keys(resilience.tools ?? {})) {
    if (!tools.has(name))
      problems.push({ path: `resilience.tools.${name}`, message: `unknown tool${didYouMean(name, tools)}` });
  }
  for (const [name, policy] of Object.entries(resilience.models ?? {})) {
    if (policy.fallback !== undefined && !isKnownModelName(policy.fallback, models)) {
      problems.push({ path: `resilience.models.${name}.fallback`, message: unknownModel(policy.fallback, models) });
    }
  }
  return problems;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const RESERVED_AGENT_NAMES = new Set(Object.keys(TeamState.spec));

function unknownModel(name: string, models: Set<string>): string {
  const hint = didYouMean(name, ["offline", ...KNOWN_CLAUDE_MODELS, ...models]);
  const newer = name.startsWith("claude-")
    ? `; for a Claude model newer than this version knows, write "anthropic:${name}"`
    : "";
  return `unknown model ${JSON.stringify(name)}${hint}${newer}; use "offline", a Claude model ("${DEFAULT_CLAUDE_MODEL}"), "anthropic:<model>"${models.size ? `, or one of ${[...models].join(", ")}` : ""}`;
}
