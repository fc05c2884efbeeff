import { describe, expect, it } from "vitest";
import { isTroupeError } from "@troupe/core";
import { checkNamespace, eventStreamName, registryBucketName, runIdOfTopic, subjectOf } from "./subjects.js";

describe("subjects", () => {
  it("puts services and topics under troupe.<namespace>", () => {
    expect(subjectOf("prod", "agent.writer.invoke")).toBe("troupe.prod.agent.writer.invoke");
    expect(subjectOf("prod", "run.r-1.events")).toBe("troupe.prod.run.r-1.events");
    expect(eventStreamName("team-a")).toBe("TROUPE_TEAM-A_EVENTS");
    expect(registryBucketName("team-a")).toBe("troupe_team-a_agents");
  });

  it("refuses names that would widen or break a subject", () => {
    for (const bad of ["agent.*.invoke", "run.>", "agent.my writer.invoke", "a..b", ""]) {
      expect(() => subjectOf("prod", bad)).toThrow(/cannot be a NATS subject/);
    }
    for (const bad of ["Prod", "a.b", "a*", "", "-x"]) {
      let error: unknown;
      try {
        checkNamespace(bad);
      } catch (e) {
        error = e;
      }
      expect(isTroupeError(error, "BUS_MESSAGE_INVALID"), bad).toBe(true);
    }
  });

  it("recognizes run event topics", () => {
    expect(runIdOfTopic("run.abc-123.events")).toBe("abc-123");
    expect(runIdOfTopic("run.abc.other")).toBeUndefined();
    expect(runIdOfTopic("agent.x.invoke")).toBeUndefined();
  });
});
