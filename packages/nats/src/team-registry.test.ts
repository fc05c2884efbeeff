import { describe, expect, it } from "vitest";
import { isTroupeError } from "@troupe/core";
import { RunRequestSchema } from "./run-request.js";
import { TeamRegistry, type RegisteredTeam } from "./team-registry.js";

const team = (name: string, version: string): RegisteredTeam => ({
  name,
  version,
  source: { raw: { name }, baseDir: `/srv/${name}`, file: `/srv/${name}/team.yaml` },
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("TeamRegistry", () => {
  const registry = new TeamRegistry([team("order-saga", "aaaaaaaaaaaa"), team("support-bot", "bbbbbbbbbbbb")]);

  it("resolves a name to its registered version, and a pinned version only when it is that one", () => {
    expect(registry.resolve({ name: "order-saga" }).version).toBe("aaaaaaaaaaaa");
    expect(registry.resolve({ name: "support-bot", version: "bbbbbbbbbbbb" }).source.baseDir).toBe("/srv/support-bot");
    const error = thrown(() => registry.resolve({ name: "order-saga", version: "cccccccccccc" }));
    expect(isTroupeError(error) && error.code).toBe("TEAM_UNKNOWN");
    expect((error as Error).message).toContain(
      'no registered team "order-saga" version cccccccccccc; it has order-saga@aaaaaaaaaaaa, support-bot@bbbbbbbbbbbb',
    );
  });

  it("an orchestrator with no teams says how to register one", () => {
    expect((thrown(() => new TeamRegistry().resolve({ name: "x" })) as Error).message).toContain(
      "it has none (start it with --team <spec file>)",
    );
  });

  it("refuses two teams of one name", () => {
    const error = thrown(() => new TeamRegistry([team("a", "1"), team("a", "2")]));
    expect(isTroupeError(error) && error.code).toBe("SPEC_INVALID");
  });

  it("versions a spec by the first 12 hex digits of its sha256", () => {
    expect(TeamRegistry.versionOf("name: x\n")).toMatch(/^[0-9a-f]{12}$/);
    expect(TeamRegistry.versionOf("name: x\n")).not.toBe(TeamRegistry.versionOf("name: y\n"));
  });
});

describe("RunRequestSchema", () => {
  const base = { requestId: "r", threadId: "t", input: "hi", submittedAt: "2025-01-01T00:00:00Z" };
  it("takes a spec with its baseDir, or a team, but not both nor neither", () => {
    expect(RunRequestSchema.safeParse({ ...base, spec: { name: "x" }, baseDir: "/srv" }).success).toBe(true);
    expect(RunRequestSchema.safeParse({ ...base, team: { name: "x" } }).success).toBe(true);
    expect(RunRequestSchema.safeParse({ ...base, team: { name: "x", version: "abc" } }).success).toBe(true);
    const both = RunRequestSchema.safeParse({ ...base, spec: { name: "x" }, baseDir: "/srv", team: { name: "x" } });
    expect(both.success).toBe(false);
    expect(both.error?.issues[0]?.message).toContain("either spec + baseDir");
    expect(RunRequestSchema.safeParse(base).success).toBe(false);
    expect(RunRequestSchema.safeParse({ ...base, team: { name: "x" }, baseDir: "/srv" }).success).toBe(false);
    expect(RunRequestSchema.safeParse({ ...base, team: { name: "" } }).success).toBe(false);
  });
});
