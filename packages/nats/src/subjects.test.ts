import { describe, expect, it } from "vitest";
import { isTroupeError } from "@troupe/core";
import {
  checkNamespace,
  checkThreadId,
  eventStreamName,
  registryBucketName,
  runDlqStreamName,
  runDlqSubject,
  runIdOfTopic,
  runQueueStreamName,
  runSubmitSubject,
  subjectOf,
  threadRunsSubject,
} from "./subjects.js";

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

  it("names the run queue, its dead-letter stream and thread announcements per namespace", () => {
    expect(runSubmitSubject("prod")).toBe("troupe.prod.runs.submit");
    expect(runQueueStreamName("prod")).toBe("TROUPE_PROD_RUNS");
    expect(runDlqSubject("prod")).toBe("troupe.prod.runs.dlq");
    expect(runDlqStreamName("prod")).toBe("TROUPE_PROD_DLQ");
    expect(threadRunsSubject("prod", "order-1")).toBe("troupe.prod.thread.order-1.runs");
    expect(checkThreadId("3f2b-aa_1")).toBe("3f2b-aa_1");
    for (const bad of ["a.b", "a b", "a*", ">", ""]) expect(() => checkThreadId(bad)).toThrow(/cannot travel on NATS/);
  });
});
