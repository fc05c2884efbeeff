// A deterministic corpus of hostile team specs for test/hostile-specs.test.ts: seeded mutations of
// the example specs plus alias bombs, deep nesting, long text, prototype keys, subject-breaking
// names, binary bytes, special files and sub-team cycles. Every case is classified valid or
// invalid by how it was built (a valid base, then an operation known to keep it valid or to break
// it), never by running the validator.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";

export type Category =
  "mutation" | "prototype-key" | "name" | "alias" | "depth" | "long-text" | "binary" | "special-file" | "sub-team";

/** A file the case writes beside its spec (sub-team specs). */
export interface ExtraFile {
  name: string;
  /** The file's text, or "fifo" for a named pipe. */
  content: string | "fifo";
}

export interface HostileCase {
  id: string;
  category: Category;
  /** True when the case was built to be a valid spec, which must be accepted. */
  valid: boolean;
  /** The spec file's name (its extension picks YAML or JSON). */
  file: string;
  /** The file's bytes; for special files, how to make it instead. */
  content:
    | string
    | Uint8Array
    | { special: "fifo" | "dev-zero-link" | "directory" | "missing" | "link-loop" | "dangling-link" | "dev-null" };
  extra?: ExtraFile[];
  /** For an invalid case, a problem line (`path: message`) must match this. */
  expect?: RegExp;
}

type Spec = Record<string, unknown>;

/** mulberry32: a small seeded PRNG, so the corpus is the same on every run. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  return { next, int, pick };
}
type Rng = ReturnType<typeof prng>;

const EXAMPLES = [
  "examples/patterns/supervisor.yaml",
  "examples/patterns/network.yaml",
  "examples/patterns/handoff.yaml",
  "examples/patterns/swarm.yaml",
  "examples/patterns/custom.yaml",
  "examples/patterns/hierarchical.yaml",
  "examples/research-team/team.yaml",
  "examples/approval/team.yaml",
  "examples/order-saga/team.yaml",
  "examples/support-bot/team.yaml",
];

/**
 * The example specs as valid bases: an example that imports tool modules loses its `imports` and
 * its agents' `tools` (the corpus files live in a temporary directory, away from those modules).
 */
export function exampleBases(root: string): { name: string; spec: Spec }[] {
  return EXAMPLES.map((path) => {
    const spec = YAML.parse(readFileSync(join(root, path), "utf8")) as Spec;
    if ("imports" in spec) {
      delete spec.imports;
      for (const agent of Object.values(spec.agents as Record<string, Spec>)) delete agent.tools;
    }
    return {
      name: path
        .replace(/^examples\//, "")
        .replace(/\.yaml$/, "")
        .replace(/\//g, "-"),
      spec,
    };
  });
}

const clone = (spec: Spec): Spec => structuredClone(spec);
const agentsOf = (spec: Spec) => spec.agents as Record<string, Spec>;

/** Renames agent `from` to `to` everywhere a spec refers to agents, so a valid spec stays valid. */
function renameAgent(spec: Spec, from: string, to: string): void {
  const swap = (name: unknown) => (name === from ? to : name);
  spec.agents = Object.fromEntries(Object.entries(agentsOf(spec)).map(([k, v]) => [swap(k), v]));
  for (const key of ["supervisor", "entry"]) if (key in spec) spec[key] = swap(spec[key]);
  if (Array.isArray(spec.workers)) spec.workers = spec.workers.map(swap);
  for (const key of ["handoffs", "links"]) {
    const map = spec[key] as Record<string, string[]> | undefined;
    if (map) spec[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [swap(k), v.map(swap)]));
  }
  const nodes = (spec.graph as { nodes?: Record<string, Spec> } | undefined)?.nodes;
  for (const node of Object.values(nodes ?? {})) if ("agent" in node) node.agent = swap(node.agent);
}

const WORDS = [
  "alpha",
  "beta",
  "key: value",
  "# not a comment",
  'quote " inside',
  "it's",
  "{{input}}",
  "[list]",
  "{map}",
  "ünïcødé",
  "emoji 🎭",
  "tab\there",
  "line\nbreak",
  "*star",
  "&amp",
  "!tag",
  "%pct",
  "@at",
  "`tick`",
  "> gt",
  "| pipe",
  "- dash",
  "null",
  "true",
  "0x1F",
  "1e3",
];

function words(rng: Rng, n = rng.int(1, 8)): string {
  return Array.from({ length: n }, () => rng.pick(WORDS)).join(" ");
}

/**
 * A valid name: a letter, then letters, digits, _ and - (at least 10 long, so it clashes with no
 * reserved name; at most 52 unless `max` allows more, as swarm and handoff agents receive
 * `transfer_to_<name>` tools, themselves at most 64 long).
 */
function goodName(rng: Rng, max = 52): string {
  const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
  const length = rng.pick([10, 20, 40, max]);
  let name = rng.pick(["a", "Z", "q", "M"]);
  while (name.length < length) name += chars[rng.int(0, chars.length - 1)];
  return name;
}

/** Names that break NATS subjects or the name rule. */
const BAD_NAMES = [
  "a.b",
  "team.*",
  "a>",
  "x*",
  "with space",
  "tab\tname",
  "nl\nname",
  "nul\u0000x",
  "bell\u0007",
  "del\u007f",
  "1leading_digit",
  "-dash",
  "",
  "é_accent",
  "a".repeat(65),
  "semi;colon",
  "slash/name",
  "$dollar",
  "back\\slash",
];

function serialize(
  spec: unknown,
  rng: Rng,
  format = rng.pick(["yaml", "json"] as const),
): { file: string; content: string } {
  return format === "json"
    ? { file: "spec.json", content: JSON.stringify(spec, null, rng.pick([0, 2])) }
    : { file: "spec.yaml", content: YAML.stringify(spec, { aliasDuplicateObjects: false }) };
}

interface Mutation {
  valid: boolean;
  /** Applies the change; returns the expected problem pattern for an invalid change, or undefined when it cannot apply. */
  apply(spec: Spec, rng: Rng): RegExp | true | undefined;
}

const MUTATIONS: Record<string, Mutation> = {
  "set-description": { valid: true, apply: (s, r) => ((s.description = words(r)), true) },
  "set-max-turns": {
    valid: true,
    apply: (s, r) => ((s.limits = { ...(s.limits as Spec), maxTurns: r.int(1, 500) }), true),
  },
  "set-budget": {
    valid: true,
    apply: (s, r) => (
      (s.limits = { ...(s.limits as Spec), maxTokens: r.int(1, 10 ** 6), maxCostUsd: r.int(1, 1000) / 100 }),
      true
    ),
  },
  "set-instructions": {
    valid: true,
    apply: (s, r) => {
      const agent = agentsOf(s)[r.pick(Object.keys(agentsOf(s)))]!;
      agent[r.pick(["instructions", "description"])] = words(r);
      return true;
    },
  },
  "offline-model": {
    valid: true,
    apply: (s, r) => ((agentsOf(s)[r.pick(Object.keys(agentsOf(s)))]!.model = "offline"), true),
  },
  "rename-agent": {
    valid: true,
    apply: (s, r) => (renameAgent(s, r.pick(Object.keys(agentsOf(s))), goodName(r)), true),
  },
  "delete-name": { valid: false, apply: (s) => (delete s.name, /^name: missing/) },
  "delete-pattern": { valid: false, apply: (s) => (delete s.pattern, /^pattern: missing/) },
  "delete-agent-field": {
    valid: false,
    apply: (s, r) => {
      const name = r.pick(Object.keys(agentsOf(s)));
      const key = r.pick(["description", "instructions"]);
      delete agentsOf(s)[name]![key];
      return new RegExp(`^agents\\.${name}\\.${key}: missing`);
    },
  },
  "empty-agent-field": {
    valid: false,
    apply: (s, r) => {
      const name = r.pick(Object.keys(agentsOf(s)));
      const key = r.pick(["description", "instructions"]);
      agentsOf(s)[name]![key] = "";
      return new RegExp(`^agents\\.${name}\\.${key}: must not be empty`);
    },
  },
  "bad-max-turns": {
    valid: false,
    apply: (s, r) => (
      (s.limits = { maxTurns: r.pick([0, -1, -r.int(2, 99), 1.5, "ten", true, null]) }),
      /^limits\.maxTurns: /
    ),
  },
  "unknown-top-key": {
    valid: false,
    apply: (s, r) => ((s[`zz_${r.int(0, 9999)}`] = words(r)), /^zz_\d+: unknown key/),
  },
  "unknown-agent-key": {
    valid: false,
    apply: (s, r) => {
      const name = r.pick(Object.keys(agentsOf(s)));
      agentsOf(s)[name]![`zz${r.int(0, 999)}`] = 1;
      return new RegExp(`^agents\\.${name}\\.zz\\d+: unknown key`);
    },
  },
  "unknown-pattern": {
    valid: false,
    apply: (s, r) => ((s.pattern = `zz${r.int(0, 999)}`), /^pattern: unknown pattern/),
  },
  "agents-as-list": { valid: false, apply: (s) => ((s.agents = Object.keys(agentsOf(s))), /^agents: /) },
  "unknown-tool": {
    valid: false,
    apply: (s, r) => {
      const name = r.pick(Object.keys(agentsOf(s)));
      agentsOf(s)[name]!.tools = [`zz_tool_${r.int(0, 99)}`];
      return new RegExp(`^agents\\.${name}\\.tools\\[0\\]: unknown tool`);
    },
  },
  "unknown-model": {
    valid: false,
    apply: (s, r) => {
      const name = r.pick(Object.keys(agentsOf(s)));
      agentsOf(s)[name]!.model = `zz-model-${r.int(0, 99)}`;
      return new RegExp(`^agents\\.${name}\\.model: unknown model`);
    },
  },
  "bad-team-name": {
    valid: false,
    apply: (s, r) => ((s.name = r.pick([42, "", "has space", "a.b", null, ["x"]])), /^name: /),
  },
  "unknown-lead": {
    valid: false,
    apply: (s, r) => {
      const key = ["supervisor", "entry"].find((k) => k in s);
      if (!key) return undefined;
      s[key] = `zz_${r.int(0, 999)}`;
      return new RegExp(`^${key}: `);
    },
  },
  "zero-max-steps": {
    valid: false,
    apply: (s, r) => {
      const name = r.pick(Object.keys(agentsOf(s)));
      agentsOf(s)[name]!.maxSteps = r.pick([0, -3, 2.5]);
      return new RegExp(`^agents\\.${name}\\.maxSteps: `);
    },
  },
};

function mutationCases(rng: Rng, bases: { name: string; spec: Spec }[], perBase: number): HostileCase[] {
  const cases: HostileCase[] = [];
  const names = Object.keys(MUTATIONS);
  for (const base of bases) {
    cases.push({
      id: `mutation/${base.name}/base`,
      category: "mutation",
      valid: true,
      ...serialize(base.spec, rng, "yaml"),
    });
    for (let i = 0; i < perBase; i++) {
      const spec = clone(base.spec);
      // one to three valid changes, then (for an invalid case) one breaking change
      const invalid = rng.next() < 0.6;
      const applied: string[] = [];
      for (let n = rng.int(1, 3); n > 0; n--) {
        const name = rng.pick(names.filter((m) => MUTATIONS[m]!.valid));
        MUTATIONS[name]!.apply(spec, rng);
        applied.push(name);
      }
      let expect: RegExp | undefined;
      if (invalid) {
        // some breaking changes fit only some patterns (a supervisor to misname); try another
        for (let tries = 0; !expect; tries++) {
          const name = rng.pick(names.filter((m) => !MUTATIONS[m]!.valid && (tries < 5 || m !== "unknown-lead")));
          const result = MUTATIONS[name]!.apply(spec, rng);
          if (result === undefined) continue;
          expect = result === true ? /./ : result;
          applied.push(name);
        }
      }
      cases.push({
        id: `mutation/${base.name}/${i}:${applied.join("+")}`,
        category: "mutation",
        valid: !invalid,
        ...serialize(spec, rng),
        ...(expect ? { expect } : {}),
      });
    }
    // a duplicate key is a YAML-text mistake (JSON.parse would keep the last)
    const text = YAML.stringify(base.spec);
    cases.push({
      id: `mutation/${base.name}/duplicate-key`,
      category: "mutation",
      valid: false,
      file: "spec.yaml",
      content: `${text}name: again\n`,
      expect: /duplicate key "name"/,
    });
  }
  return cases;
}

/** Every mapping in a spec with its path, for placing a key anywhere. */
function mappings(value: unknown, path: string[] = []): { map: Spec; path: string[] }[] {
  if (typeof value !== "object" || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => mappings(v, [...path, String(i)]));
  return [{ map: value as Spec, path }, ...Object.entries(value).flatMap(([k, v]) => mappings(v, [...path, k]))];
}

function prototypeCases(rng: Rng, bases: { name: string; spec: Spec }[], count: number): HostileCase[] {
  const cases: HostileCase[] = [];
  for (let i = 0; i < count; i++) {
    const base = rng.pick(bases);
    const spec = clone(base.spec);
    const key = rng.pick(["__proto__", "constructor", "prototype"]);
    const { map, path } = rng.pick(mappings(spec));
    const value = rng.pick<unknown>([
      { description: "d", instructions: "i" },
      { maxTurns: 0 },
      { polluted: true },
      "x",
      1,
      null,
      [],
    ]);
    // defineProperty: an own key named __proto__, as YAML and JSON parsers produce it
    Object.defineProperty(map, key, { value, enumerable: true, configurable: true, writable: true });
    const out = serialize(spec, rng);
    if (!out.content.includes(key)) throw new Error(`corpus: ${key} was not written for ${base.name}`);
    cases.push({
      id: `prototype-key/${base.name}/${path.join(".") || "(root)"}/${key}`,
      category: "prototype-key",
      valid: false,
      ...out,
      expect: new RegExp(`"${key}" is not allowed as a key`),
    });
  }
  // the same words as text, and keys that only contain them, are fine
  for (let i = 0; i < 8; i++) {
    const base = rng.pick(bases);
    const spec = clone(base.spec);
    const word = rng.pick(["__proto__", "constructor", "prototype"]);
    spec.description = `${word} ${words(rng)}`;
    const agent = rng.pick(Object.keys(agentsOf(spec)));
    agentsOf(spec)[agent]!.instructions = `Never set ${word}.`;
    renameAgent(spec, agent, `${word.replace(/_/g, "")}_agent`);
    cases.push({
      id: `prototype-key/valid/${base.name}/${i}`,
      category: "prototype-key",
      valid: true,
      ...serialize(spec, rng),
    });
  }
  return cases;
}

function nameCases(rng: Rng, bases: { name: string; spec: Spec }[]): HostileCase[] {
  const cases: HostileCase[] = [];
  const byName = (n: string) => bases.find((b) => b.name === n)!.spec;
  for (const bad of BAD_NAMES) {
    const shown = JSON.stringify(bad).slice(0, 20);
    // an agent key, renamed everywhere it is referred to
    const base = rng.pick(bases);
    const agentSpec = clone(base.spec);
    renameAgent(agentSpec, rng.pick(Object.keys(agentsOf(agentSpec))), bad);
    cases.push({
      id: `name/agent/${shown}`,
      category: "name",
      valid: false,
      ...serialize(agentSpec, rng),
      expect: /^agents(\.|\[)/,
    });
    // a graph node key (custom)
    const custom = clone(byName("patterns-custom"));
    const graph = custom.graph as { entry: string; nodes: Record<string, unknown> };
    graph.nodes[bad] = { agent: Object.keys(agentsOf(custom))[0] };
    cases.push({
      id: `name/node/${shown}`,
      category: "name",
      valid: false,
      ...serialize(custom, rng),
      expect: /^graph\.nodes/,
    });
    // a step and a tool named by a graph node
    const stepSpec = clone(byName("patterns-custom"));
    (stepSpec.graph as { nodes: Record<string, unknown> }).nodes.extra =
      rng.next() < 0.5 ? { step: bad } : { tool: bad };
    cases.push({
      id: `name/node-step-or-tool/${shown}`,
      category: "name",
      valid: false,
      ...serialize(stepSpec, rng),
      expect: /^graph\.nodes\.extra/,
    });
    // a tool an agent lists
    const toolSpec = clone(base.spec);
    const agent = rng.pick(Object.keys(agentsOf(toolSpec)));
    agentsOf(toolSpec)[agent]!.tools = [bad];
    cases.push({
      id: `name/tool/${shown}`,
      category: "name",
      valid: false,
      ...serialize(toolSpec, rng),
      expect: new RegExp(`^agents\\.${agent}\\.tools\\[0\\]: `),
    });
    // a sub-team key (hierarchical)
    const org = clone(byName("patterns-hierarchical"));
    const teams = org.teams as Record<string, unknown>;
    teams[bad] = teams.research;
    delete teams.research;
    org.workers = (org.workers as string[]).map((w) => (w === "research" ? bad : w));
    cases.push({
      id: `name/sub-team/${shown}`,
      category: "name",
      valid: false,
      ...serialize(org, rng),
      expect: /^(teams|workers)/,
    });
  }
  // boundary names that are valid: 64 characters, digits, _ and -
  for (let i = 0; i < 10; i++) {
    const base = rng.pick(bases);
    const spec = clone(base.spec);
    const transfers = spec.pattern === "swarm" || spec.pattern === "handoff";
    renameAgent(spec, rng.pick(Object.keys(agentsOf(spec))), goodName(rng, transfers ? 52 : 64));
    spec.name = goodName(rng, 64);
    cases.push({ id: `name/valid/${base.name}/${i}`, category: "name", valid: true, ...serialize(spec, rng) });
  }
  return cases;
}

/** `levels` anchored lists, each aliasing the one before `fan` times: fan^levels values when expanded. */
function aliasBomb(levels: number, fan: number): string {
  const lines = [`l0: &l0 [${Array(fan).fill('"lol"').join(", ")}]`];
  for (let i = 1; i < levels; i++)
    lines.push(
      `l${i}: &l${i} [${Array(fan)
        .fill(`*l${i - 1}`)
        .join(", ")}]`,
    );
  return lines.join("\n");
}

function aliasCases(rng: Rng, bases: { name: string; spec: Spec }[]): HostileCase[] {
  const cases: HostileCase[] = [];
  for (let i = 0; i < 24; i++) {
    const base = rng.pick(bases);
    const levels = rng.int(3, 12);
    const fan = rng.int(4, 12);
    const bomb = aliasBomb(levels, fan);
    const where = rng.pick(["top", "description", "agent"]);
    let content: string;
    if (where === "top") content = `${bomb}\n${YAML.stringify(base.spec)}`;
    else {
      // the bomb under a key of the spec, indented as that key's value
      const host = where === "description" ? "description" : `zz_extra`;
      const indented = bomb
        .split("\n")
        .map((l) => `  ${l}`)
        .join("\n");
      const spec = clone(base.spec);
      delete spec[host];
      content = `${YAML.stringify(spec)}${host}:\n${indented}\n`;
    }
    cases.push({
      id: `alias/bomb/${where}/${levels}x${fan}`,
      category: "alias",
      valid: false,
      file: "spec.yaml",
      content,
    });
  }
  cases.push({
    id: "alias/self",
    category: "alias",
    valid: false,
    file: "spec.yaml",
    content: `${YAML.stringify(bases[0]!.spec)}zz_loop: &loop [*loop]\n`,
    expect: /contains itself|Unresolved alias|alias/,
  });
  // aliases used as a spec author would: one anchored text reused by a few agents
  for (let i = 0; i < 8; i++) {
    const base = rng.pick(bases);
    const spec = clone(base.spec);
    const names = Object.keys(agentsOf(spec));
    const doc = new YAML.Document(spec);
    const first = doc.getIn(["agents", names[0]!, "instructions"], true) as YAML.Scalar;
    first.anchor = "shared";
    for (const name of names.slice(1, 1 + rng.int(1, 4)))
      doc.setIn(["agents", name, "instructions"], doc.createAlias(first, "shared"));
    cases.push({
      id: `alias/valid/${base.name}/${i}`,
      category: "alias",
      valid: true,
      file: "spec.yaml",
      content: doc.toString(),
    });
  }
  return cases;
}

function depthCases(rng: Rng, bases: { name: string; spec: Spec }[]): HostileCase[] {
  const cases: HostileCase[] = [];
  const customBase = bases.find((b) => b.name === "patterns-custom")!.spec;
  /** The custom example with a nested value `depth` levels deep at a free-form spot (an edge's `when.equals`). */
  const withNested = (depth: number) => {
    const spec = clone(customBase);
    let nested: unknown = "leaf";
    for (let d = 0; d < depth; d++) nested = d % 2 ? [nested] : { k: nested };
    const edges = (spec.graph as { edges: Spec[] }).edges;
    edges.unshift({ from: "edit", to: "draft", when: { path: "scratch.again", equals: nested }, limit: 1 });
    return spec;
  };
  for (let i = 0; i < 14; i++) {
    const depth = rng.pick([65, 70, 100, 500, 1000, 5000, 10_000, 50_000]);
    const style = rng.pick(["flow", "block", "json", "value"]);
    const base = rng.pick(bases);
    let content: string;
    let file = "spec.yaml";
    if (style === "flow")
      content = `${YAML.stringify(base.spec)}description: ${"[".repeat(depth)}${"]".repeat(depth)}\n`;
    else if (style === "block")
      content = `${YAML.stringify(base.spec)}zz_deep:\n${Array.from({ length: Math.min(depth, 1400) }, (_, d) => `${" ".repeat(d + 1)}k${d}:`).join("\n")} leaf\n`;
    else if (style === "json") {
      file = "spec.json";
      content = JSON.stringify({ ...base.spec, description: "x" }).replace(
        /"description":"x"/,
        `"description":${"[".repeat(depth)}${"]".repeat(depth)}`,
      );
    } else {
      // valid by the schema (equals takes any value), invalid only by the depth limit
      const capped = Math.min(depth, 1000);
      ({ file, content } = serialize(withNested(capped), rng, capped > 100 ? "json" : undefined));
    }
    cases.push({
      id: `depth/${style}/${depth}`,
      category: "depth",
      valid: false,
      file,
      content,
      expect: /nested deeper than 64|over the limit/,
    });
  }
  for (let i = 0; i < 6; i++) {
    const depth = rng.int(2, 40);
    cases.push({ id: `depth/valid/${depth}`, category: "depth", valid: true, ...serialize(withNested(depth), rng) });
  }
  return cases;
}

function longTextCases(rng: Rng, bases: { name: string; spec: Spec }[]): HostileCase[] {
  const cases: HostileCase[] = [];
  for (let i = 0; i < 14; i++) {
    const base = rng.pick(bases);
    const spec = clone(base.spec);
    const length = rng.int(100_001, 500_000);
    const text = rng.pick(["x", "é", "ab ", "\\"]).repeat(length).slice(0, length);
    const where = rng.pick(["instructions", "description", "key", "name"]);
    const agent = rng.pick(Object.keys(agentsOf(spec)));
    if (where === "instructions") agentsOf(spec)[agent]!.instructions = text;
    else if (where === "description") spec.description = text;
    else if (where === "name") spec.name = text;
    else agentsOf(spec)[text] = { description: "d", instructions: "i" };
    cases.push({
      id: `long-text/${where}/${length}`,
      category: "long-text",
      valid: false,
      ...serialize(spec, rng),
      expect: /over the limit of (100000|1048576)/,
    });
  }
  for (let i = 0; i < 4; i++) {
    const base = rng.pick(bases);
    const spec = clone(base.spec);
    agentsOf(spec)[rng.pick(Object.keys(agentsOf(spec)))]!.instructions = "Think. ".repeat(14_000);
    cases.push({
      id: `long-text/valid/${base.name}/${i}`,
      category: "long-text",
      valid: true,
      ...serialize(spec, rng),
    });
  }
  return cases;
}

function binaryCases(rng: Rng, bases: { name: string; spec: Spec }[]): HostileCase[] {
  const cases: HostileCase[] = [];
  for (let i = 0; i < 16; i++) {
    // random bytes without ASCII letters: a valid spec needs "pattern", so this cannot be one
    const bytes = Uint8Array.from({ length: rng.int(1, 4096) }, () => {
      let b = rng.int(0, 255);
      while ((b >= 65 && b <= 90) || (b >= 97 && b <= 122)) b = rng.int(0, 255);
      return b;
    });
    cases.push({
      id: `binary/random/${i}`,
      category: "binary",
      valid: false,
      file: rng.pick(["spec.yaml", "spec.json", "spec.yml"]),
      content: bytes,
    });
  }
  for (let i = 0; i < 4; i++) {
    const text = YAML.stringify(rng.pick(bases).spec);
    const at = rng.int(0, text.length);
    cases.push({
      id: `binary/nul/${i}`,
      category: "binary",
      valid: false,
      file: "spec.yaml",
      content: `${text.slice(0, at)}\u0000${text.slice(at)}`,
      expect: /NUL/,
    });
    const bytes = Buffer.from(text);
    const spliced = Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff, 0xfe, 0xc3]), bytes.subarray(at)]);
    cases.push({
      id: `binary/not-utf8/${i}`,
      category: "binary",
      valid: false,
      file: "spec.yaml",
      content: new Uint8Array(spliced),
      expect: /not UTF-8/,
    });
  }
  // text encodings a spec may arrive in: a UTF-8 byte order mark, Windows line ends
  for (let i = 0; i < 4; i++) {
    const text = YAML.stringify(rng.pick(bases).spec);
    const content = i % 2 ? text.replace(/\n/g, "\r\n") : `\ufeff${text}`;
    cases.push({
      id: `binary/valid-${i % 2 ? "crlf" : "bom"}/${i}`,
      category: "binary",
      valid: true,
      file: "spec.yaml",
      content,
    });
  }
  return cases;
}

function specialFileCases(bases: { name: string; spec: Spec }[]): HostileCase[] {
  const text = YAML.stringify(bases[0]!.spec);
  const special = (
    kind: Exclude<HostileCase["content"], string | Uint8Array>["special"],
    expect?: RegExp,
  ): HostileCase => ({
    id: `special-file/${kind}`,
    category: "special-file",
    valid: false,
    file: "spec.yaml",
    content: { special: kind },
    ...(expect ? { expect } : {}),
  });
  const pad = (size: number) => `${text}${"# padding\n".repeat(Math.ceil((size - text.length) / 10))}`.slice(0, size);
  return [
    special("fifo", /named pipe/),
    special("dev-zero-link", /a device/),
    special("dev-null", /a device/),
    special("directory", /a directory/),
    special("missing"),
    special("link-loop", /link loop/),
    special("dangling-link"),
    {
      id: "special-file/empty",
      category: "special-file",
      valid: false,
      file: "spec.yaml",
      content: "",
      expect: /^\(root\): the spec is empty/,
    },
    {
      id: "special-file/just-over-1MiB",
      category: "special-file",
      valid: false,
      file: "spec.yaml",
      content: pad(1024 * 1024 + 1),
      expect: /over the limit of 1048576/,
    },
    {
      id: "special-file/10MB",
      category: "special-file",
      valid: false,
      file: "spec.yaml",
      content: pad(10 * 1024 * 1024),
      expect: /over the limit of 1048576/,
    },
    {
      id: "special-file/just-under-1MiB",
      category: "special-file",
      valid: true,
      file: "spec.yaml",
      content: `${pad(1024 * 1024 - 20)}\n`,
    },
  ];
}

const team = (file: string, name: string, lead: string, teams?: Record<string, string>) =>
  (file.endsWith(".json") ? JSON.stringify : YAML.stringify)({
    name,
    pattern: teams ? "hierarchical" : "supervisor",
    supervisor: lead,
    agents: {
      [lead]: { description: "Leads", instructions: "Delegate, then finish." },
      [`${lead}_worker`]: { description: "Works", instructions: "Do the task." },
    },
    ...(teams ? { teams } : {}),
  });

function subTeamCases(): HostileCase[] {
  const cycle = (id: string, files: [string, Record<string, string>][], expect = /includes itself/): HostileCase => {
    const [first, ...rest] = files;
    return {
      id: `sub-team/${id}`,
      category: "sub-team",
      valid: false,
      file: first![0],
      content: team(first![0], "top", "top_lead", first![1]),
      extra: rest.map(([name, teams], i) => ({
        name,
        content: team(name, `t${i}`, `lead${i}`, Object.keys(teams).length ? teams : undefined),
      })),
      expect,
    };
  };
  const valid = (id: string, files: [string, Record<string, string>][]): HostileCase => ({
    ...cycle(id, files),
    valid: true,
    expect: undefined as never,
  });
  return [
    cycle("self", [["spec.yaml", { me: "./spec.yaml" }]]),
    cycle("self-dotted", [["spec.yaml", { me: "./sub/../spec.yaml" }]]),
    cycle("two", [
      ["spec.yaml", { b: "./b.yaml" }],
      ["b.yaml", { a: "./spec.yaml" }],
    ]),
    cycle("three", [
      ["spec.yaml", { b: "./b.yaml" }],
      ["b.yaml", { c: "./c.yaml" }],
      ["c.yaml", { a: "./spec.yaml" }],
    ]),
    cycle("inner-loop", [
      ["spec.yaml", { b: "./b.yaml" }],
      ["b.yaml", { c: "./c.yaml" }],
      ["c.yaml", { b: "./b.yaml" }],
    ]),
    cycle("json", [
      ["spec.json", { b: "./b.json" }],
      ["b.json", { a: "./spec.json" }],
    ]),
    {
      ...cycle("to-fifo", [["spec.yaml", { pipe: "./pipe.yaml" }]], /named pipe/),
      extra: [{ name: "pipe.yaml", content: "fifo" }],
    },
    cycle("to-dev-zero", [["spec.yaml", { zero: "/dev/zero" }]], /a device/),
    cycle("to-directory", [["spec.yaml", { dir: "." }]], /a directory/),
    cycle("missing", [["spec.yaml", { gone: "./nowhere.yaml" }]], /spec file not found/),
    valid("one-file", [
      ["spec.yaml", { b: "./b.yaml" }],
      ["b.yaml", {}],
    ]),
    valid("chain", [
      ["spec.yaml", { b: "./b.yaml" }],
      ["b.yaml", { c: "./c.yaml" }],
      ["c.yaml", {}],
    ]),
    valid("two-files", [
      ["spec.yaml", { b: "./b.yaml", c: "./c.yaml" }],
      ["b.yaml", {}],
      ["c.yaml", {}],
    ]),
  ];
}

/** The whole corpus for `seed`, from the examples under `root`. */
export function hostileCorpus(root: string, seed: number): HostileCase[] {
  const rng = prng(seed);
  const bases = exampleBases(root);
  return [
    ...mutationCases(rng, bases, 30),
    ...prototypeCases(rng, bases, 60),
    ...nameCases(rng, bases),
    ...aliasCases(rng, bases),
    ...depthCases(rng, bases),
    ...longTextCases(rng, bases),
    ...binaryCases(rng, bases),
    ...specialFileCases(bases),
    ...subTeamCases(),
  ];
}
