import { z } from "zod";
import type { AnyPattern, SpecProblem } from "./define-pattern.js";
import { formatPath } from "./define-tool.js";
import { DELEGATE_TOOL, FINISH_TOOL, RESPOND_TOOL, TRANSFER_PREFIX } from "./directive-tools.js";
import { TroupeError } from "./errors.js";
import { isKnownModelName } from "./resolve-model.js";
import { didYouMean } from "./suggest.js";
import { BaseSpecSchema, type TeamSpec } from "./team-spec.js";
import { TeamState } from "./team-state.js";

export interface ValidateOptions {
  patterns: Iterable<AnyPattern>;
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
 * Checks a spec without throwing: the validated spec, or one problem per mistake, each naming the
 * path of the bad field (`agents.writer.tools[0]: unknown tool "serch" (did you mean "search"?)`).
 */
export function checkSpec(raw: unknown, options: ValidateOptions): SpecCheck {
  const patterns = new Map([...options.patterns].map((p) => [p.name, p]));
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { problems: [{ path: "(root)", message: "a team spec must be a mapping of keys (name, pattern, agents, ...)" }] };
  }
  const record = raw as Record<string, unknown>;
  const problems: SpecProblem[] = [];
  const pattern = typeof record.pattern === "string" ? patterns.get(record.pattern) : undefined;
  if (record.pattern === undefined) {
    problems.push({ path: "pattern", message: `required; one of ${[...patterns.keys()].join(", ")}` });
  } else if (!pattern) {
    problems.push({
      path: "pattern",
      message: `unknown pattern ${JSON.stringify(record.pattern)}${didYouMean(String(record.pattern), patterns.keys())}; known: ${[...patterns.keys()].join(", ")}`,
    });
  }
  const schema = pattern ? BaseSpecSchema.extend(pattern.options.shape).strict() : BaseSpecSchema.loose();
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    problems.push(...parsed.error.issues.flatMap((issue) => problemsOf(issue, schema)));
    return { problems };
  }
  const spec = parsed.data as TeamSpec;
  problems.push(...checkAgents(spec, options));
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

export function specError(problems: SpecProblem[], source?: string): TroupeError {
  const lines = problems.map((p) => `${p.path}: ${p.message}`);
  return new TroupeError("SPEC_INVALID", `${source ? `${source}: ` : ""}invalid team spec:\n${lines.join("\n")}`, { details: { problems } });
}

function checkAgents(spec: TeamSpec, options: ValidateOptions): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const names = Object.keys(spec.agents);
  if (names.length === 0) problems.push({ path: "agents", message: "define at least one agent" });
  const tools = new Set(options.tools ?? []);
  const models = new Set(options.models ?? []);
  const reserved = new Set([DELEGATE_TOOL, FINISH_TOOL, RESPOND_TOOL]);
  if (spec.model !== undefined && !isKnownModelName(spec.model, models)) problems.push({ path: "model", message: unknownModel(spec.model, models) });
  for (const [name, agent] of Object.entries(spec.agents)) {
    if (RESERVED_AGENT_NAMES.has(name)) {
      problems.push({ path: `agents.${name}`, message: `"${name}" is reserved (a team state key); rename the agent` });
    }
    agent.tools.forEach((tool, i) => {
      const path = `agents.${name}.tools[${i}]`;
      if (reserved.has(tool) || tool.startsWith(TRANSFER_PREFIX)) {
        problems.push({ path, message: `"${tool}" is reserved for coordination; the pattern provides it` });
      } else if (!tools.has(tool)) {
        const where = tools.size ? `; known tools: ${[...tools].join(", ")}` : "; no tools are defined (list a module under imports)";
        problems.push({ path, message: `unknown tool ${JSON.stringify(tool)}${didYouMean(tool, tools)}${where}` });
      }
      if (agent.tools.indexOf(tool) !== i) problems.push({ path, message: `tool "${tool}" is listed twice` });
    });
    if (agent.model !== undefined && !isKnownModelName(agent.model, models)) {
      problems.push({ path: `agents.${name}.model`, message: unknownModel(agent.model, models) });
    }
  }
  return problems;
}

const RESERVED_AGENT_NAMES = new Set(Object.keys(TeamState.spec));

function unknownModel(name: string, models: Set<string>): string {
  return `unknown model ${JSON.stringify(name)}; use "offline", a Claude model ("claude-sonnet-4-6"), "anthropic:<model>"${models.size ? `, or one of ${[...models].join(", ")}` : ""}`;
}

function problemsOf(issue: z.core.$ZodIssue, schema: z.ZodType): SpecProblem[] {
  const path = issue.path.length ? formatPath(issue.path) : "(root)";
  if (issue.code === "unrecognized_keys") {
    const known = keysAt(schema, issue.path);
    return issue.keys.map((key) => ({
      path: issue.path.length ? `${formatPath(issue.path)}.${key}` : key,
      message: `unknown key${didYouMean(key, known)}${known.length ? `; allowed: ${known.join(", ")}` : ""}`,
    }));
  }
  if (issue.code === "invalid_type" && /received undefined/.test(issue.message)) {
    return [{ path, message: `required (${issue.expected})` }];
  }
  if (issue.code === "invalid_key") {
    return [{ path, message: issue.issues.map((i) => i.message).join("; ") }];
  }
  return [{ path, message: issue.message.replace(/^Invalid input: /, "") }];
}

/** The keys an object schema allows at `path`, walking through records, arrays and wrappers. */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: unknown = schema;
  const steps = [...path];
  for (;;) {
    const def = (node as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return [];
    const type = def.type as string;
    if (type === "optional" || type === "default" || type === "nullable" || type === "prefault" || type === "readonly") {
      node = def.innerType;
      continue;
    }
    if (steps.length === 0) return type === "object" ? Object.keys(def.shape as object) : [];
    const step = steps.shift();
    if (type === "object") node = (def.shape as Record<string, unknown>)[String(step)];
    else if (type === "record") node = def.valueType;
    else if (type === "array") node = def.element;
    else return [];
  }
}
