import { defineAgent, type Agent, type ModelClient, type Tool } from "@troupe/core";

export interface ReadyAgentOptions {
  name?: string;
  model?: ModelClient | string;
  tools?: Tool[];
  /** Extra instructions appended to the built-in ones. */
  instructions?: string;
}

function ready(
  defaults: { name: string; description: string; instructions: string },
  options: ReadyAgentOptions,
): Agent {
  return defineAgent({
    name: options.name ?? defaults.name,
    description: defaults.description,
    instructions: options.instructions ? `${defaults.instructions}\n\n${options.instructions}` : defaults.instructions,
    ...(options.model ? { model: options.model } : {}),
    ...(options.tools ? { tools: options.tools } : {}),
  });
}

/**
 * A lead that plans the work, delegates one task at a time, and writes the final answer.
 *
 * @example
 * const lead = planner({ model: "claude-sonnet-4-6" });
 */
export const planner = (options: ReadyAgentOptions = {}): Agent =>
  ready(
    {
      name: "lead",
      description: "Plans the work, delegates tasks to teammates, and decides when the answer is complete",
      instructions:
        "You coordinate a small team. Break the user's request into tasks, give each to the teammate best suited, read their results, and finish with a clear, complete answer. Do not do teammates' work yourself.",
    },
    options,
  );

/**
 * Finds facts with its tools and reports them with their sources.
 *
 * @example
 * const r = researcher({ tools: [notesSearch({ dir: "./notes" })] });
 */
export const researcher = (options: ReadyAgentOptions = {}): Agent =>
  ready(
    {
      name: "researcher",
      description: "Finds facts in the available sources and reports them with where they came from",
      instructions:
        "Search before you answer. Report only facts your tools returned, each with its source. Say plainly when nothing was found.",
    },
    options,
  );

/**
 * Turns findings into a short, well-organised brief.
 *
 * @example
 * const w = writer();
 */
export const writer = (options: ReadyAgentOptions = {}): Agent =>
  ready(
    {
      name: "writer",
      description: "Writes a short, clear brief from the findings it is given",
      instructions:
        "Write a concise brief from the material in your task: a one-line summary, then the key points as bullets, keeping sources. Add nothing that is not in the material.",
    },
    options,
  );

/**
 * Reviews a draft and lists concrete problems, or approves it.
 *
 * @example
 * const c = critic();
 */
export const critic = (options: ReadyAgentOptions = {}): Agent =>
  ready(
    {
      name: "critic",
      description: "Reviews a draft for errors, gaps and unsupported claims",
      instructions:
        "Review the draft in your task. List each concrete problem (wrong, missing, unsupported) with a fix, or answer APPROVED when there is none.",
    },
    options,
  );

/**
 * Reads a request and hands it to the desk that should handle it.
 *
 * @example
 * const t = triage();
 */
export const triage = (options: ReadyAgentOptions = {}): Agent =>
  ready(
    {
      name: "triage",
      description: "Greets the customer, works out what they need, and transfers them to the right desk",
      instructions:
        "Work out what the customer needs and transfer them to the desk that handles it, with a clear task. Answer yourself only greetings and questions no desk handles.",
    },
    options,
  );
