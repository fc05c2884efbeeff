import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { END, START, StateGraph } from "@langchain/langgraph";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  checkSpec,
  definePattern,
  finishOutcome,
  isTroupeError,
  memoryStore,
  TeamState,
  type SpecProblem,
} from "@troupe/core";
import { assertValidTranscript, delegate, finish, ScriptedModel, transfer } from "@troupe/testing";
import { builtinPatterns, loadTeam, resolveSubTeams } from "../index.js";

const dir = mkdtempSync(join(tmpdir(), "troupe-hier-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  return path;
};
const agent = (description: string) => ({ description, instructions: `You ${description.toLowerCase()}.` });

/** A hierarchical spec as written, before loading: sub-team agents live only in their sub-team. */
const orgSpec = () => ({
  name: "org",
  pattern: "hierarchical",
  supervisor: "ceo",
  agents: { ceo: agent("Runs the org") },
  teams: {
    research: {
      pattern: "hierarchical",
      supervisor: "rlead",
      agents: { rlead: agent("Leads research"), searcher: agent("Searches notes") },
      teams: {
        facts: {
          pattern: "supervisor",
          supervisor: "flead",
          agents: { flead: agent("Leads fact checks"), checker: agent("Checks a fact") },
        },
      },
    },
  },
});

const problemsOf = (raw: unknown): SpecProblem[] => {
  try {
    const prepared = resolveSubTeams(raw, dir);
    return checkSpec(prepared, { patterns: builtinPatterns }).problems;
  } catch (error) {
    if (isTroupeError(error, "SPEC_INVALID")) return error.details?.problems as SpecProblem[];
    throw error;
  }
};
const lines = (problems: SpecProblem[]) => problems.map((p) => `${p.path}: ${p.message}`);

describe("hierarchical specs", () => {
  it("loads a YAML tree with an inline sub-team and a file sub-team that uses another pattern, and runs it", async () => {
    write(
      "teams/support.yaml",
      [
        "name: support-desk",
        "pattern: handoff",
        "entry: triage",
        "handoffs: { triage: [billing] }",
        "agents:",
        "  triage: { description: Sorts requests, instructions: Route the request. }",
        "  billing: { description: Answers billing questions, instructions: Answer billing questions. }",
      ].join("\n"),
    );
    const file = write(
      "org.yaml",
      [
        "name: org",
        "pattern: hierarchical",
        "supervisor: ceo",
        "agents:",
        "  ceo: { description: Runs the org, instructions: Lead. }",
        "teams:",
        "  support: ./teams/support.yaml",
        "  research:",
        "    pattern: supervisor",
        "    supervisor: rlead",
        "    description: Finds facts",
        "    agents:",
        "      rlead: { description: Leads research, instructions: Lead research. }",
        "      searcher: { description: Searches notes, instructions: Search. }",
      ].join("\n"),
    );
    const model = new ScriptedModel({
      ceo: [
        delegate("research", "find the refund policy"),
        delegate("support", "refund order 7"),
        finish("refund done per policy"),
      ],
      rlead: [delegate("searcher", "search refunds"), finish("policy: 30 days")],
      searcher: ["refunds within 30 days"],
      triage: [transfer("billing", "refund order 7", "billing owns refunds")],
      billing: ["order 7 refunded"],
    });
    const team = await loadTeam(file, { model, store: memoryStore() });
    expect(Object.keys(team.spec.agents).sort()).toEqual(["billing", "ceo", "rlead", "searcher", "triage"]);
    const result = await team.run("Refund order 7 if the policy allows", { threadId: "y1" });
    expect(result.output).toBe("refund done per policy");
    expect(result.steps.map((s) => s.agent)).toEqual([
      "ceo",
      "rlead",
      "searcher",
      "rlead",
      "ceo",
      "triage",
      "billing",
      "ceo",
    ]);
    expect(JSON.stringify(model.callsBy("triage")[0]!.messages)).toContain("refund order 7");
    expect((await team.state("y1"))?.outputs.support).toBe("order 7 refunded");
    model.assertAllUsed();
    model.calls.forEach(assertValidTranscript);
    // the spec stored with a thread (files read, agents lifted) loads again as it is, as `troupe replay` does
    const reloaded = await loadTeam({ raw: structuredClone(team.spec), baseDir: dir }, { model, store: memoryStore() });
    expect(reloaded.spec).toEqual(team.spec);
  });

  it("lets sub-teams use your own registered patterns", async () => {
    const solo = definePattern({
      name: "solo",
      description: "One agent answers",
      options: z.object({ agent: z.string() }).strict(),
      compile: (spec, ctx) =>
        new StateGraph(TeamState)
          .addNode(
            spec.agent,
            ctx.agentNode(spec.agent, {
              prepare: (state) => ({ task: state.input }),
              commit: (_state, result) => finishOutcome(result.output),
            }),
            { ends: [END] },
          )
          .addEdge(START, spec.agent),
    });
    const raw = {
      ...orgSpec(),
      teams: { poet: { pattern: "solo", agent: "bard", agents: { bard: agent("Writes verse") } } },
    };
    const model = new ScriptedModel({
      ceo: [delegate("poet", "a haiku on sagas"), finish("done")],
      bard: ["undo, undo, undo"],
    });
    const team = await loadTeam({ raw, baseDir: dir }, { model, store: memoryStore(), patterns: [solo] });
    expect((await team.run("Write a haiku", { threadId: "y2" })).steps.map((s) => s.agent)).toEqual([
      "ceo",
      "bard",
      "ceo",
    ]);
    expect(lines(checkSpec(resolveSubTeams(raw, dir), { patterns: builtinPatterns }).problems)).toEqual([
      expect.stringMatching(/^teams\.poet\.pattern: unknown pattern "solo"/),
    ]);
  });

  it("reads file sub-teams relative to the file naming them, moves their imports to the top level, and is idempotent", () => {
    write(
      "deep/facts.yaml",
      "pattern: supervisor\nsupervisor: flead\nimports: [./fact-tools.js]\nagents:\n  flead: { description: Leads, instructions: Lead. }\n  checker: { description: Checks, instructions: Check. }\n",
    );
    write(
      "deep/research.yaml",
      "pattern: hierarchical\nsupervisor: rlead\nagents:\n  rlead: { description: Leads research, instructions: Lead. }\nteams:\n  facts: ./facts.yaml\n",
    );
    const raw = {
      name: "org",
      pattern: "hierarchical",
      supervisor: "ceo",
      imports: ["./tools.js"],
      agents: { ceo: agent("Runs") },
      teams: { research: "./deep/research.yaml" },
    };
    const prepared = resolveSubTeams(raw, dir) as {
      imports: string[];
      agents: Record<string, unknown>;
      teams: { research: { agents: object } };
    };
    expect(prepared.imports).toEqual(["./tools.js", "./deep/fact-tools.js"]);
    expect(Object.keys(prepared.agents)).toEqual(["ceo", "rlead", "flead", "checker"]);
    expect(Object.keys(prepared.teams.research.agents)).toEqual(["rlead", "flead", "checker"]);
    expect(resolveSubTeams(prepared, dir)).toEqual(prepared);
    expect(raw.teams.research).toBe("./deep/research.yaml");
  });

  it("reports every problem with its path in the tree", () => {
    const raw = orgSpec();
    raw.teams.research.supervisor = "rleed";
    raw.teams.research.teams.facts.supervisor = "nobody";
    expect(lines(problemsOf(raw))).toEqual([
      'teams.research.teams.facts.supervisor: unknown agent "nobody"; define it under agents',
      'teams.research.supervisor: unknown agent "rleed" (did you mean "rlead"?); define it under agents',
    ]);
    const bad = orgSpec();
    (bad.teams.research.agents.searcher as Record<string, unknown>).tols = ["search"];
    expect(lines(problemsOf(bad))).toEqual([
      expect.stringMatching(/^teams\.research\.agents\.searcher\.tols: unknown key \(did you mean "tools"\?\)/),
    ]);
  });

  it("requires agent names unique across the tree", () => {
    const raw = orgSpec() as ReturnType<typeof orgSpec> & { teams: Record<string, unknown> };
    (raw.teams.research as { agents: Record<string, unknown> }).agents.ceo = agent("Another ceo");
    raw.teams.ops = {
      pattern: "supervisor",
      supervisor: "olead",
      agents: { olead: agent("Leads ops"), searcher: agent("Searches logs") },
    };
    expect(lines(problemsOf(raw))).toEqual([
      'teams.research.agents.ceo: agent name "ceo" is already used by agents.ceo; agent names are unique across the whole tree',
      'teams.ops.agents.searcher: agent name "searcher" is already used by teams.research.agents.searcher; agent names are unique across the whole tree',
    ]);
  });

  it("checks the supervisor and workers against this team's own agents and sub-teams", () => {
    const raw = {
      ...orgSpec(),
      agents: { ceo: agent("Runs"), helper: agent("Helps"), idle: agent("Idles") },
      workers: ["helper", "searcher", "reserch", "helper"],
    };
    expect(lines(problemsOf(raw))).toEqual([
      'workers[1]: "searcher" is an agent of teams.research; list the team "research" instead',
      'workers[2]: unknown agent or sub-team "reserch" (did you mean "research"?)',
      'workers[3]: "helper" is listed twice',
      "agents.idle: unreachable: not the supervisor and not listed in workers",
      "teams.research: unreachable: not listed in workers",
    ]);
    expect(lines(problemsOf({ ...orgSpec(), supervisor: "rlead" }))).toEqual([
      'supervisor: "rlead" is an agent of teams.research; the supervisor must be one of this team\'s own agents',
    ]);
    expect(lines(problemsOf({ ...orgSpec(), agents: { ceo: agent("Runs"), research: agent("Researches") } }))).toEqual([
      'teams.research: "research" names both a sub-team and an agent; rename one',
    ]);
    expect(lines(problemsOf({ ...orgSpec(), teams: {} }))).toEqual([
      "teams: list at least one sub-team (a team without sub-teams is pattern: supervisor)",
      'workers: the supervisor "ceo" needs at least one worker or sub-team',
    ]);
  });

  it("reports missing, unreadable and cyclic sub-team files, and specs validated without loading them", () => {
    write(
      "loop-a.yaml",
      "name: a\npattern: hierarchical\nsupervisor: x\nagents: { x: { description: X, instructions: X } }\nteams: { b: ./loop-b.yaml }\n",
    );
    write(
      "loop-b.yaml",
      "name: b\npattern: hierarchical\nsupervisor: y\nagents: { y: { description: Y, instructions: Y } }\nteams: { a: ./loop-a.yaml }\n",
    );
    write("broken.yaml", "pattern: supervisor\nagents: [oops\n");
    const raw = { ...orgSpec(), teams: { gone: "./nowhere.yaml", broken: "./broken.yaml", loop: "./loop-a.yaml" } };
    const problems = lines(problemsOf(raw));
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^teams\.gone: cannot read "\.\/nowhere\.yaml": spec file not found/);
    expect(problems[1]).toMatch(/^teams\.broken: in "\.\/broken\.yaml": /);
    expect(problems[2]).toMatch(
      /^teams\.loop\.teams\.b\.teams\.a: "\.\/loop-a\.yaml" includes itself \(loop-a\.yaml -> loop-b\.yaml -> loop-a\.yaml\)/,
    );
    // core validation alone (no loadTeam) says what to do
    expect(
      lines(checkSpec({ ...orgSpec(), teams: { gone: "./nowhere.yaml" } }, { patterns: builtinPatterns }).problems)[0],
    ).toMatch(/^teams\.gone: sub-team file "\.\/nowhere\.yaml" was not read; load the spec with loadTeam/);
    const unlifted = lines(checkSpec(orgSpec(), { patterns: builtinPatterns }).problems);
    expect(unlifted).toContainEqual(
      expect.stringMatching(
        /^teams\.research\.agents\.rlead: missing from the team's agents: .* load the spec with loadTeam from @troupe\/patterns/,
      ),
    );
    expect(unlifted).toContainEqual(
      expect.stringMatching(/^teams\.research\.teams\.facts\.agents\.checker: missing from the team's agents/),
    );
  });
});
