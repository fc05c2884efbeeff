import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  checkSpec,
  isTroupeError,
  parseSpecText,
  validateSpec,
  type SpecProblem,
  type TroupeError,
} from "@troupe/core";
import { builtinPatterns, loadTeam } from "@troupe/patterns";

type Raw = Record<string, unknown>;

/** A valid supervisor spec; each case below breaks one thing in a fresh copy. */
function valid(): Raw {
  return {
    name: "research",
    pattern: "supervisor",
    supervisor: "lead",
    agents: {
      lead: { description: "Leads the team", instructions: "Route tasks, then finish." },
      writer: { description: "Writes briefs", instructions: "Write.", tools: ["search_notes"] },
    },
  };
}

function edit(change: (spec: Raw & { agents: Record<string, Raw>; limits?: Raw }) => void): Raw {
  const spec = valid() as Raw & { agents: Record<string, Raw> };
  change(spec);
  return spec;
}

function problemsOf(raw: unknown): SpecProblem[] {
  const { spec, problems } = checkSpec(raw, { patterns: builtinPatterns, tools: ["search_notes"] });
  expect(spec).toBeUndefined();
  return problems;
}

/** [path, fragment of its message]: the problems reported, exactly these and in this order. */
type Expected = Array<[string, string]>;

function expectProblems(problems: SpecProblem[], expected: Expected): void {
  expect(problems.map((p) => p.path)).toEqual(expected.map(([path]) => path));
  expected.forEach(([, fragment], i) => expect(problems[i]!.message).toContain(fragment));
}

const cases: Array<[string, Raw | unknown, Expected]> = [
  [
    "unknown pattern, with did-you-mean",
    edit((s) => (s.pattern = "supervisr")),
    [["pattern", 'unknown pattern "supervisr" (did you mean "supervisor"?); known: supervisor']],
  ],
  [
    "unknown pattern far from any name",
    edit((s) => (s.pattern = "pipeline")),
    [["pattern", 'unknown pattern "pipeline"; known: supervisor']],
  ],
  [
    "missing pattern (reported once)",
    edit((s) => delete s.pattern),
    [["pattern", 'missing; add a "pattern" key, one of: supervisor']],
  ],
  ["missing name", edit((s) => delete s.name), [["name", 'missing; add a "name" key (text)']]],
  [
    "supervisor not defined, with did-you-mean",
    edit((s) => (s.supervisor = "led")),
    [["supervisor", 'unknown agent "led" (did you mean "lead"?); define it under agents']],
  ],
  ["supervisor key missing", edit((s) => delete s.supervisor), [["supervisor", 'missing; add a "supervisor" key']]],
  [
    "a listed worker not defined",
    edit((s) => (s.workers = ["writer", "reviewer"])),
    [["workers[1]", 'unknown agent "reviewer"']],
  ],
  [
    "supervisor listed as its own worker",
    edit((s) => (s.workers = ["lead", "writer"])),
    [["workers[0]", '"lead" is the supervisor; it cannot also be its own worker']],
  ],
  ["empty workers list", edit((s) => (s.workers = [])), [["workers", "list at least one worker"]]],
  [
    "no workers besides the supervisor",
    edit((s) => delete s.agents.writer),
    [["agents", 'needs at least one worker besides "lead"']],
  ],
  [
    "unreachable agent when workers is given",
    edit((s) => {
      s.workers = ["writer"];
      s.agents.critic = { description: "Critiques", instructions: "Critique." };
    }),
    [["agents.critic", "unreachable: not the supervisor and not listed in workers"]],
  ],
  [
    "unknown tool, with did-you-mean",
    edit((s) => (s.agents.writer!.tools = ["serch_notes"])),
    [
      [
        "agents.writer.tools[0]",
        'unknown tool "serch_notes" (did you mean "search_notes"?); known tools: search_notes',
      ],
    ],
  ],
  [
    "reserved tool delegate",
    edit((s) => (s.agents.writer!.tools = ["delegate"])),
    [["agents.writer.tools[0]", '"delegate" is reserved for coordination; remove it']],
  ],
  [
    "reserved tool transfer_to_x",
    edit((s) => (s.agents.writer!.tools = ["search_notes", "transfer_to_lead"])),
    [["agents.writer.tools[1]", '"transfer_to_lead" is reserved for coordination']],
  ],
  [
    "tool listed twice",
    edit((s) => (s.agents.writer!.tools = ["search_notes", "search_notes"])),
    [["agents.writer.tools[1]", 'tool "search_notes" is listed twice; remove this entry']],
  ],
  [
    "tools not a list",
    edit((s) => (s.agents.writer!.tools = "search_notes")),
    [["agents.writer.tools", 'must be a list (got "search_notes")']],
  ],
  [
    "empty agents map",
    edit((s) => (s.agents = {})),
    [
      ["agents", "no agents defined; add at least one"],
      ["supervisor", 'unknown agent "lead"'],
    ],
  ],
  [
    "agents written as a list",
    edit((s) => (s.agents = ["lead", "writer"] as never)),
    [["agents", "must be a mapping (name: value lines) (got a list)"]],
  ],
  [
    "agent missing description",
    edit((s) => delete s.agents.lead!.description),
    [["agents.lead.description", 'missing; add a "description" key (text)']],
  ],
  [
    "agent description not text",
    edit((s) => (s.agents.lead!.description = 42)),
    [["agents.lead.description", "must be text (got 42)"]],
  ],
  [
    "empty instructions",
    edit((s) => (s.agents.lead!.instructions = "")),
    [["agents.lead.instructions", "must not be empty; write what this agent should do"]],
  ],
  [
    "agent entry is null",
    edit((s) => (s.agents.writer = null as never)),
    [["agents.writer", "must be a mapping (key: value lines) (got null)"]],
  ],
  [
    "bad agent name (key with spaces)",
    edit((s) => (s.agents["my writer"] = { description: "d", instructions: "i" })),
    [
      [
        'agents["my writer"]',
        'bad name "my writer": an agent name must start with a letter and use only letters, digits, _ or - (at most 64); rename it (e.g. "my_writer")',
      ],
    ],
  ],
  [
    "agent named like a state key",
    edit((s) => (s.agents.messages = { description: "d", instructions: "i" })),
    [["agents.messages", '"messages" is reserved (a team state key); rename the agent']],
  ],
  [
    "negative maxTurns",
    edit((s) => (s.limits = { maxTurns: -3 })),
    [["limits.maxTurns", "must be a whole number of at least 1 (got -3)"]],
  ],
  [
    "zero maxTurns",
    edit((s) => (s.limits = { maxTurns: 0 })),
    [["limits.maxTurns", "must be a whole number of at least 1 (got 0)"]],
  ],
  [
    "non-integer maxTurns",
    edit((s) => (s.limits = { maxTurns: 2.5 })),
    [["limits.maxTurns", "must be a whole number of at least 1 (got 2.5)"]],
  ],
  [
    "maxTurns written as words",
    edit((s) => (s.limits = { maxTurns: "ten" })),
    [["limits.maxTurns", 'must be a whole number of at least 1 (got "ten")']],
  ],
  [
    "negative maxCostUsd",
    edit((s) => (s.limits = { maxCostUsd: -0.5 })),
    [["limits.maxCostUsd", "must be a number of US dollars greater than 0 (got -0.5)"]],
  ],
  [
    "zero agentTimeoutMs",
    edit((s) => (s.limits = { agentTimeoutMs: 0 })),
    [["limits.agentTimeoutMs", "must be a whole number of at least 1 (got 0)"]],
  ],
  [
    "empty imports entry",
    edit((s) => (s.imports = [""])),
    [["imports[0]", "must not be empty; give a module path relative to the spec file"]],
  ],
  [
    "unknown key at root, with did-you-mean (the missing agents is not reported twice)",
    edit((s) => {
      s.agnets = s.agents;
      delete (s as Raw).agents;
    }),
    [
      [
        "agnets",
        'unknown key (did you mean "agents"?); allowed here: name, description, pattern, model, agents, limits, resilience, imports, supervisor, workers',
      ],
    ],
  ],
  [
    "unknown key inside an agent, with did-you-mean",
    edit((s) => {
      s.agents.lead!.instruction = s.agents.lead!.instructions;
      delete s.agents.lead!.instructions;
    }),
    [
      [
        "agents.lead.instruction",
        'unknown key (did you mean "instructions"?); allowed here: description, instructions, model, tools, maxSteps',
      ],
    ],
  ],
  [
    "unknown key in limits, with did-you-mean",
    edit((s) => (s.limits = { maxTurn: 5 })),
    [["limits.maxTurn", 'unknown key (did you mean "maxTurns"?)']],
  ],
  [
    "unknown key far from any allowed key",
    edit((s) => (s.colour = "red")),
    [["colour", "unknown key; allowed here: name"]],
  ],
  [
    "unknown agent model",
    edit((s) => (s.agents.lead!.model = "gpt-5")),
    [
      [
        "agents.lead.model",
        'unknown model "gpt-5"; use "offline", a Claude model ("claude-sonnet-4-6"), "anthropic:<model>"',
      ],
    ],
  ],
  [
    "misspelt team model, with did-you-mean",
    edit((s) => (s.model = "ofline")),
    [["model", 'unknown model "ofline" (did you mean "offline"?)']],
  ],
  [
    "misspelt Claude model, with did-you-mean and the anthropic: escape",
    edit((s) => (s.agents.lead!.model = "claude-sonet-4-6")),
    [
      [
        "agents.lead.model",
        'unknown model "claude-sonet-4-6" (did you mean "claude-sonnet-4-6"?); for a Claude model newer than this version knows, write "anthropic:claude-sonet-4-6"',
      ],
    ],
  ],
  ["empty team model", edit((s) => (s.model = "")), [["model", "must not be empty; name a model"]]],
  [
    "spec that is a YAML list",
    parseSpecText("- lead\n- writer\n").value,
    [["(root)", "a team spec must be a mapping of keys (name, pattern, agents, ...), not a list"]],
  ],
  ["empty spec file", parseSpecText("# nothing yet\n").value, [["(root)", "the spec is empty"]]],
];

describe("team spec validation: value problems", () => {
  it.each(cases)("%s", (_name, raw, expected) => {
    expectProblems(problemsOf(raw), expected);
  });

  it("reports several problems at once, each at its own path", () => {
    const raw = edit((s) => {
      s.name = "my team";
      s.limits = { maxTurns: 0, maxTokns: 100 };
      s.agents.lead!.description = "";
      s.agents.writer!.tools = ["serch_notes"];
    });
    const problems = problemsOf(raw);
    expectProblems(problems, [
      ["name", 'must start with a letter and use only letters, digits, _ or - (at most 64) (got "my team")'],
      ["agents.lead.description", "must not be empty"],
      ["limits.maxTurns", "(got 0)"],
      ["limits.maxTokns", 'did you mean "maxTokens"?'],
      // the writer is well-formed, so its tools are checked even though the spec failed its schema
      ["agents.writer.tools[0]", 'unknown tool "serch_notes" (did you mean "search_notes"?)'],
    ]);
  });

  it("throws SPEC_INVALID with one line per problem and no stack trace", () => {
    const raw = edit((s) => {
      s.limits = { maxTurns: -1 };
      s.agents.writer!.tools = ["delegate"];
      s.colour = "red";
    });
    let error: TroupeError | undefined;
    try {
      validateSpec(raw, { patterns: builtinPatterns, tools: ["search_notes"] });
    } catch (e) {
      if (isTroupeError(e, "SPEC_INVALID")) error = e;
    }
    expect(error).toBeDefined();
    const problems = error!.details?.problems as SpecProblem[];
    expect(problems.map((p) => p.path)).toEqual(["limits.maxTurns", "colour", "agents.writer.tools[0]"]);
    expect(error!.message.split("\n")).toEqual([
      "invalid team spec (3 problems):",
      "limits.maxTurns: must be a whole number of at least 1 (got -1)",
      expect.stringMatching(/^colour: unknown key; allowed here: name, /),
      'agents.writer.tools[0]: "delegate" is reserved for coordination; remove it, the pattern gives agents this tool itself',
    ]);
    expect(error!.message).not.toMatch(/\n\s+at /);
  });

  it("accepts a valid spec and applies defaults", () => {
    const { spec, problems } = checkSpec(valid(), { patterns: builtinPatterns, tools: ["search_notes"] });
    expect(problems).toEqual([]);
    expect(spec?.limits).toEqual({ maxTurns: 12 });
    expect(spec?.agents.lead?.tools).toEqual([]);
    expect(spec?.agents.writer?.tools).toEqual(["search_notes"]);
    expect(spec?.imports).toEqual([]);
  });
});

describe("team spec validation: syntax problems", () => {
  it("bad YAML syntax names the line and column", () => {
    const { value, problems } = parseSpecText(
      "name: research\npattern: supervisor\nagents: {lead: 1\nlimits:\n  maxTurns: 3\n",
      "yaml",
    );
    expect(value).toBeUndefined();
    expectProblems(problems, [
      ["line 4, column 1", "bad YAML: Flow map in block collection must be sufficiently indented and end with a }"],
    ]);
  });

  it("a key with a value and nested keys names the line", () => {
    const { problems } = parseSpecText("name: research\npattern: supervisor\n  agents: x\n", "yaml");
    expectProblems(problems, [
      [
        "line 2, column 10",
        "bad YAML: Nested mappings are not allowed in compact mappings; a key with a value on its line",
      ],
    ]);
  });

  it("duplicate YAML key names the key and the line of the repeat", () => {
    const text = "name: research\nagents:\n  lead:\n    description: a\n  lead:\n    description: b\n";
    expectProblems(parseSpecText(text, "yaml").problems, [
      ["line 5, column 3", 'bad YAML: duplicate key "lead"; a key may appear only once'],
    ]);
  });

  it("tab indentation says to indent with spaces", () => {
    expectProblems(parseSpecText("name: research\nagents:\n\tlead: x\n", "yaml").problems, [
      ["line 3, column 1", "indent with spaces"],
    ]);
  });

  it("bad JSON names the line and column of the first mistake", () => {
    const text = '{\n  "name": "research",\n  "pattern": ,\n  "agents": {}\n}';
    expectProblems(parseSpecText(text, "json").problems, [
      ["line 3, column 14", 'bad JSON: unexpected ",", expected a value'],
    ]);
  });

  it("a trailing comma in JSON is pointed at", () => {
    const text = '{\n  "name": "research",\n  "agents": {},\n}';
    expectProblems(parseSpecText(text, "json").problems, [
      ["line 4, column 1", "JSON allows no comma after the last item"],
    ]);
  });

  it("unterminated JSON reports the end of the file", () => {
    expectProblems(parseSpecText('{\n  "name": "research"\n', "json").problems, [
      ["line 3, column 1", 'unexpected end of file, expected "," or "}"'],
    ]);
  });
});

describe("team spec validation: loading files", () => {
  const dir = mkdtempSync(join(tmpdir(), "troupe-spec-validation-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function write(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  async function loadError(path: string): Promise<TroupeError> {
    const error = await loadTeam(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!isTroupeError(error)) throw new Error(`expected a TroupeError, got ${String(error)}`);
    return error;
  }

  it("a missing file is SPEC_NOT_FOUND", async () => {
    const error = await loadError(join(dir, "nope.yaml"));
    expect(error.code).toBe("SPEC_NOT_FOUND");
    expect(error.message).toContain("nope.yaml");
  });

  it("bad YAML in a file is SPEC_INVALID at its line and column", async () => {
    const path = write("bad.yaml", "name: research\npattern: supervisor\nsupervisor: lead: x\n");
    const error = await loadError(path);
    expect(error.code).toBe("SPEC_INVALID");
    expectProblems(error.details?.problems as SpecProblem[], [["line 3, column 13", "bad YAML: Nested mappings"]]);
    expect(error.message.split("\n")).toEqual([
      `${path}: invalid team spec (1 problem):`,
      expect.stringMatching(/^line 3, column 13: bad YAML: /),
    ]);
  });

  it("bad JSON in a .json file is SPEC_INVALID at its line and column", async () => {
    const path = write("bad.json", '{\n  "name": "research"\n  "pattern": "supervisor"\n}');
    const error = await loadError(path);
    expectProblems(error.details?.problems as SpecProblem[], [
      ["line 3, column 3", 'unexpected "\\"", expected "," or "}"'],
    ]);
  });

  it("an imports entry that does not exist is reported at imports[0]", async () => {
    const path = write(
      "missing-import.yaml",
      "name: research\npattern: supervisor\nsupervisor: lead\nimports: [./no-such-tools.mjs]\nagents:\n  lead: {description: L, instructions: Lead.}\n  writer: {description: W, instructions: Write.}\n",
    );
    const error = await loadError(path);
    expect(error.code).toBe("SPEC_INVALID");
    expectProblems(error.details?.problems as SpecProblem[], [
      ["imports[0]", 'cannot load "./no-such-tools.mjs": file not found'],
    ]);
  });

  it("an imports entry that throws while loading is reported at imports[0] with its reason", async () => {
    write("broken-tools.mjs", 'throw new Error("tools module exploded");\n');
    const path = write(
      "broken-import.yaml",
      "name: research\npattern: supervisor\nsupervisor: lead\nimports: [./broken-tools.mjs]\nagents:\n  lead: {description: L, instructions: Lead.}\n  writer: {description: W, instructions: Write., tools: [search_notes]}\n",
    );
    const error = await loadError(path);
    expectProblems(error.details?.problems as SpecProblem[], [
      ["imports[0]", 'cannot load "./broken-tools.mjs": tools module exploded'],
      ["agents.writer.tools[0]", 'unknown tool "search_notes"; no tools are defined'],
    ]);
  });
});
