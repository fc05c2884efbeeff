import { existsSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Bus } from "../bus/bus.js";
import { defineAgent, isAgent, type Agent } from "../authoring/define-agent.js";
import type { AnyPattern, SpecProblem } from "../graph/define-pattern.js";
import { isStep, type StepDefinition } from "../authoring/define-step.js";
import { isTool, type Tool } from "../authoring/define-tool.js";
import { TroupeError } from "../errors.js";
import { checkImports } from "../spec/import-policy.js";
import type { ModelClient } from "../protocol/model-client.js";
import { parseSpecText } from "../spec/parse-spec.js";
import { readSpecText } from "../spec/read-spec-text.js";
import { createModelResolver } from "../models/resolve-model.js";
import { memoryStore } from "../stores/memory-store.js";
import { Team } from "./team.js";
import type { LeaseSettings } from "../stores/thread-lease.js";
import type { TeamSpec } from "../spec/team-spec.js";
import type { TeamStore } from "../stores/team-store.js";
import { checkSpec, specError } from "../spec/validate-spec.js";
import type { Interceptor } from "../resilience/interceptor.js";
import type { Logger } from "../logging/logger.js";

export interface TeamSources {
  /** Patterns the spec may name. */
  patterns: Iterable<AnyPattern>;
  /** Tools the spec may name, beside those its imports export. */
  tools?: Tool[];
  /** Agents defined in code; they take the place of spec entries of the same name. */
  agents?: Agent[];
  /** Steps (defineStep) graph nodes may name, beside those its imports export. */
  steps?: StepDefinition[];
  /** Models the spec may name, beside "offline" and Claude names. */
  models?: Record<string, ModelClient>;
  /**
   * Directories the spec's `imports:` may load modules from (and below), checked on the real path
   * before anything is imported. Default: the spec's own directory. `[]` allows none: what a
   * process running specs sent by others (the orchestrator) starts from.
   */
  allowImports?: readonly string[];
}

export interface BuildOptions extends Partial<Omit<TeamSources, "patterns">> {
  patterns: Iterable<AnyPattern>;
  /** Where checkpoints, records and leases go (default: an in-memory store; pass sqliteStore() from @troupe/store-sqlite or postgresStore() from @troupe/store-postgres to keep threads). */
  store?: TeamStore;
  bus?: Bus;
  /** The `--model` choice: used when neither the agent nor the spec names a model. */
  model?: string | ModelClient;
  /**
   * Told once when the offline model stands in for Claude because no key is set (default: one
   * "troupe: note: ..." line on stderr; pass `() => {}` to silence it, or choose `model: "offline"`).
   */
  onNotice?: (message: string) => void;
  serveAgents?: boolean;
  env?: Readonly<Record<string, string | undefined>>;
  /** Milliseconds since the epoch (default Date.now); approval deadlines use it. */
  clock?: () => number;
  /** How often a run looks for pause/cancel requests from other processes, ms (default 250). */
  controlPollMs?: number;
  /** Thread lease timing (default: 15 s TTL, heartbeat a third of it; TROUPE_LEASE_TTL_MS overrides the TTL). */
  lease?: Partial<LeaseSettings>;
  /** Your interceptors, around every agent, model, tool and compensation call (TeamOptions.interceptors). */
  interceptors?: readonly Interceptor[];
  /** Where the team logs (TeamOptions.logger). */
  logger?: Logger;
}

/** A spec read from disk: the raw value and where its imports are relative to. */
export interface SpecSource {
  raw: unknown;
  baseDir: string;
  file?: string;
}

/**
 * Reads a YAML or JSON spec file within the spec limits (size, nesting, aliases, no devices or
 * FIFOs). Throws SPEC_NOT_FOUND or SPEC_INVALID (with line and column).
 */
export function readSpecFile(path: string): SpecSource {
  const file = resolve(path);
  const format = extname(file).toLowerCase() === ".json" ? "json" : "yaml";
  const { value, problems } = parseSpecText(readSpecText(file, path), format);
  if (problems.length) throw specError(problems, path);
  return { raw: value, baseDir: dirname(file), file: path };
}

/**
 * Imports the modules a spec lists and collects the tools, agents and steps they export. Every
 * import must lie in `allowImports` (default: `baseDir` and below), checked before any is
 * imported; otherwise IMPORT_NOT_ALLOWED.
 */
export async function importSpecModules(
  raw: unknown,
  baseDir: string,
  allowImports: readonly string[] = [baseDir],
): Promise<{ tools: Tool[]; agents: Agent[]; steps: StepDefinition[]; problems: SpecProblem[] }> {
  const imports = (raw as { imports?: unknown } | null)?.imports;
  const tools: Tool[] = [];
  const agents: Agent[] = [];
  const steps: StepDefinition[] = [];
  const problems: SpecProblem[] = [];
  if (!Array.isArray(imports)) return { tools, agents, steps, problems };
  for (const [i, target] of checkImports(imports, baseDir, allowImports)) {
    const entry = imports[i] as string;
    try {
      const mod = (await import(pathToFileURL(target).href)) as Record<string, unknown>;
      for (const value of Object.values(mod)) {
        if (isTool(value)) tools.push(value);
        else if (isAgent(value)) agents.push(value);
        else if (isStep(value)) steps.push(value);
      }
    } catch (error) {
      const reason = existsSync(target)
        ? error instanceof Error
          ? error.message.split("\n")[0]
          : String(error)
        : "file not found (build the project first?)";
      problems.push({ path: `imports[${i}]`, message: `cannot load ${JSON.stringify(entry)}: ${reason}` });
    }
  }
  return { tools, agents, steps, problems };
}

/** Validates a spec and its imports; throws SPEC_INVALID listing every problem. */
export async function resolveSpec(
  raw: unknown,
  baseDir: string,
  sources: Omit<TeamSources, "tools" | "agents"> & Partial<TeamSources>,
  file?: string,
) {
  const imported = await importSpecModules(raw, baseDir, sources.allowImports);
  const tools = [...(sources.tools ?? []), ...imported.tools];
  const agents = [...(sources.agents ?? []), ...imported.agents];
  const steps = [...(sources.steps ?? []), ...imported.steps];
  const check = checkSpec(raw, {
    patterns: sources.patterns,
    tools: tools.map((t) => t.name),
    models: Object.keys(sources.models ?? {}),
  });
  const problems = [...imported.problems, ...check.problems];
  if (!check.spec || problems.length) throw specError(problems, file);
  return { spec: check.spec, tools, agents, steps };
}

/** Builds a Team from a validated spec. */
export function buildTeam(spec: TeamSpec, options: BuildOptions & { baseDir?: string }): Team {
  const pattern = [...options.patterns].find((p) => p.name === spec.pattern);
  if (!pattern) throw new TroupeError("PATTERN_UNKNOWN", `unknown pattern "${spec.pattern}"`);
  const toolsByName = new Map((options.tools ?? []).map((t) => [t.name, t]));
  const codeAgents = new Map((options.agents ?? []).map((a) => [a.name, a]));
  const agents = new Map<string, Agent>();
  for (const [name, entry] of Object.entries(spec.agents)) {
    const agent =
      codeAgents.get(name) ??
      defineAgent({
        name,
        description: entry.description,
        instructions: entry.instructions,
        tools: entry.tools.map((t) => toolsByName.get(t)!),
        ...(entry.model ? { model: entry.model } : {}),
        ...(entry.maxSteps ? { maxSteps: entry.maxSteps } : {}),
      });
    agents.set(name, agent);
  }
  for (const extra of pattern.syntheticAgents?.(spec) ?? []) {
    if (agents.has(extra.name))
      throw new TroupeError(
        "SPEC_INVALID",
        `pattern ${pattern.name} adds an agent named "${extra.name}", which the spec also defines; rename yours`,
      );
    agents.set(extra.name, defineAgent(extra));
  }
  const resolveModel = createModelResolver({
    ...(options.models ? { models: options.models } : {}),
    ...(options.model ? { fallback: options.model } : {}),
    onNotice: options.onNotice ?? ((message: string) => process.stderr.write(`troupe: note: ${message}\n`)),
    ...(options.env ? { env: options.env } : {}),
  });
  return new Team({
    spec,
    pattern,
    agents,
    store: options.store ?? memoryStore(),
    resolveModel,
    tools: toolsByName,
    steps: new Map((options.steps ?? []).map((s) => [s.name, s])),
    ...(options.bus ? { bus: options.bus } : {}),
    ...(options.baseDir ? { baseDir: options.baseDir } : {}),
    ...(options.serveAgents === undefined ? {} : { serveAgents: options.serveAgents }),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.controlPollMs ? { controlPollMs: options.controlPollMs } : {}),
    ...(options.lease ? { lease: options.lease } : {}),
    ...(options.interceptors ? { interceptors: options.interceptors } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
