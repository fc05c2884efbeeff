import { describe, expect, it } from "vitest";
import { checkSpec, defineStep, isTroupeError, memoryStore, type SpecProblem, type TroupeError } from "@troupe/core";
import { builtinPatterns, loadTeam } from "../index.js";

type Raw = {
  agents: Record<string, Record<string, unknown>>;
  graph: { entry: string; nodes: Record<string, Record<string, unknown>>; edges: Array<Record<string, unknown>> };
} & Record<string, unknown>;

/** A valid review loop; each case breaks one thing in a fresh copy. */
function valid(): Raw {
  return {
    name: "review",
    pattern: "custom",
    agents: {
      writer: { description: "Writes", instructions: "Write." },
      critic: { description: "Critiques", instructions: "Critique." },
    },
    graph: {
      entry: "write",
      nodes: {
        write: { agent: "writer", task: "Write about {{input}}; feedback: {{outputs.critic}}" },
        critic: { agent: "critic" },
      },
      edges: [
        { from: "write", to: "critic" },
        { from: "critic", to: "write", when: { path: "outputs.critic", contains: "REVISE" }, limit: 2 },
        { from: "critic", to: "end" },
      ],
    },
  };
}

function edit(change: (spec: Raw) => void): Raw {
  const spec = valid();
  change(spec);
  return spec;
}

function expectProblems(problems: SpecProblem[], expected: Array<[string, string]>): void {
  expect(problems.map((p) => p.path)).toEqual(expected.map(([path]) => path));
  expected.forEach(([, fragment], i) => expect(problems[i]!.message).toContain(fragment));
}

const cases: Array<[string, Raw, Array<[string, string]>]> = [
  [
    "an edge to an unknown node",
    edit((s) => (s.graph.edges[2]!.to = "wrte")),
    [["graph.edges[2].to", 'unknown node "wrte" (did you mean "write"?)']],
  ],
  [
    "an edge from an unknown node",
    edit((s) => (s.graph.edges[0]!.from = "writ")),
    [["graph.edges[0].from", 'unknown node "writ"']],
  ],
  [
    "an unreachable node",
    edit((s) => (s.graph.nodes.x = { agent: "writer" })),
    [["graph.nodes.x", 'unreachable: no edge leads to it from the entry "write"']],
  ],
  [
    "a loop without a limit",
    edit((s) => delete s.graph.edges[1]!.limit),
    [["graph.edges[1]", "closes the loop write -> critic -> write, which has no limit"]],
  ],
  [
    "a node running an unknown agent",
    edit((s) => (s.graph.nodes.critic!.agent = "critik")),
    [["graph.nodes.critic.agent", 'unknown agent "critik" (did you mean "critic"?)']],
  ],
  ["an unknown entry", edit((s) => (s.graph.entry = "start")), [["graph.entry", 'unknown node "start"']]],
  [
    "a node that runs nothing",
    edit((s) => (s.graph.nodes.critic = { task: "x" })),
    [
      ["graph.nodes.critic", "say what the node runs"],
      ["graph.nodes.critic.task", "only an agent node has a task"],
    ],
  ],
  [
    "a node that runs two things",
    edit((s) => (s.graph.nodes.critic = { agent: "critic", step: "tally" })),
    [["graph.nodes.critic", "a node runs one thing; this one names agent and step"]],
  ],
  [
    "a condition with two operators",
    edit((s) => ((s.graph.edges[1]!.when as Record<string, unknown>).equals = "x")),
    [["graph.edges[1].when", "give exactly one of equals, notEquals, contains, exists (it has equals and contains)"]],
  ],
  [
    "a condition on an unknown state key",
    edit((s) => (s.graph.edges[1]!.when = { path: "outptus.critic", exists: true })),
    [["graph.edges[1].when.path", '"outptus.critic" does not start with a state key (did you mean "outputs"?)']],
  ],
  [
    "a fan-out listing end, an unknown node and a duplicate",
    edit((s) => (s.graph.edges[0]!.to = ["critic", "end", "crtic", "critic"])),
    [
      ["graph.edges[0].to[1]", 'a fan-out lists nodes; end the run with its own edge to: "end"'],
      ["graph.edges[0].to[2]", 'unknown node "crtic"'],
      ["graph.edges[0].to[3]", '"critic" is listed twice'],
    ],
  ],
  [
    "a fan-out of one",
    edit((s) => (s.graph.edges[0]!.to = ["critic"])),
    [["graph.edges[0].to", "a fan-out lists at least two nodes; for one, write it without the list"]],
  ],
  [
    "an edge target that is not a name",
    edit((s) => (s.graph.edges[0]!.to = 5)),
    [["graph.edges[0].to", 'must be a node name, "end", or a list of node names (a fan-out) (got 5)']],
  ],
  [
    "an edge after an unconditional one",
    edit((s) => s.graph.edges.splice(1, 0, { from: "critic", to: "end" })),
    [
      ["graph.edges[2]", 'never taken: graph.edges[1] from "critic" has no condition and no limit'],
      ["graph.edges[3]", 'never taken: graph.edges[1] from "critic"'],
    ],
  ],
  [
    "a task referring to an unknown node",
    edit((s) => (s.graph.nodes.critic!.task = "Check {{outputs.draft}}")),
    [["graph.nodes.critic.task", '{{outputs.draft}}: unknown node "draft"']],
  ],
  [
    "a task referring to something other than input/outputs/scratch",
    edit((s) => (s.graph.nodes.critic!.task = "{{inputs}}")),
    [["graph.nodes.critic.task", "a reference starts with input, outputs, scratch"]],
  ],
  [
    "a reserved node name",
    edit((s) => {
      s.graph.nodes.messages = { agent: "writer" };
      s.graph.edges[2]!.to = "messages";
    }),
    [["graph.nodes.messages", '"messages" is reserved (a team state key)']],
  ],
  [
    "a node named after another agent",
    edit((s) => {
      s.graph.nodes.writer = { step: "tally" };
      s.graph.edges.unshift({ from: "write", to: "writer", when: { path: "input", equals: "x" } });
    }),
    [["graph.nodes.writer", '"writer" is also an agent\'s name']],
  ],
  [
    "an agent no node runs",
    edit((s) => (s.agents.editor = { description: "Edits", instructions: "Edit." })),
    [["agents.editor", "no graph node runs this agent"]],
  ],
  [
    "a loop limit of zero",
    edit((s) => (s.graph.edges[1]!.limit = 0)),
    [["graph.edges[1].limit", "must be a whole number of at least 1"]],
  ],
];

describe("custom spec validation", () => {
  it("accepts the valid spec", () => {
    const { spec, problems } = checkSpec(valid(), { patterns: builtinPatterns });
    expect(problems).toEqual([]);
    expect(spec?.graph).toMatchObject({ entry: "write" });
  });

  it.each(cases)("%s", (_, raw, expected) => {
    const { spec, problems } = checkSpec(raw, { patterns: builtinPatterns });
    expect(spec).toBeUndefined();
    expectProblems(problems, expected);
  });

  it("reports tools and steps the team does not have when the team is built", async () => {
    const tally = defineStep({ name: "tally", run: () => ({ output: 1 }) });
    const raw = edit((s) => {
      s.graph.nodes.save = { tool: "save_draft" };
      s.graph.nodes.count = { step: "taly" };
      s.graph.edges[2]!.to = "save";
      s.graph.edges.push({ from: "save", to: "count" });
    });
    const error = (await loadTeam({ raw, baseDir: "." }, { steps: [tally], store: memoryStore() }).catch(
      (e: unknown) => e,
    )) as TroupeError;
    expect(isTroupeError(error, "SPEC_INVALID")).toBe(true);
    expectProblems(error.details?.problems as SpecProblem[], [
      ["graph.nodes.save.tool", 'unknown tool "save_draft"; no tools are defined'],
      ["graph.nodes.count.step", 'unknown step "taly" (did you mean "tally"?); known steps: tally'],
    ]);
  });
});
