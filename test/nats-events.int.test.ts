import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { jetstreamManager } from "@nats-io/jetstream";
import { defineAgent, defineTool, memoryStore, serveAgent, type TroupeEvent } from "@troupe/core";
import { NatsBus } from "@troupe/nats";
import { supervisor } from "@troupe/patterns";
import { ScriptedModel, callTool, delegate, finish, startNatsServer, type RunningNatsServer } from "@troupe/testing";

let server: RunningNatsServer;
const buses: NatsBus[] = [];
async function bus(namespace: string, durableEvents = false): Promise<NatsBus> {
  const b = await NatsBus.connect({ servers: server.url, namespace, durableEvents });
  buses.push(b);
  return b;
}

beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
  await server?.stop();
});

const at = new Date(0).toISOString();
const started = (runId: string, n: number): TroupeEvent => ({
  type: "agent.started",
  runId,
  threadId: "t",
  at,
  agent: `a${n}`,
  task: `task ${n}`,
  turn: n,
});

describe("RunEventLog", () => {
  it("keeps each run's events in order in stream TROUPE_<NS>_EVENTS", async () => {
    const b = await bus("ev");
    const log = await b.eventLog();
    expect(log.stream).toBe("TROUPE_EV_EVENTS");
    const info = await (await jetstreamManager(b.connection)).streams.info("TROUPE_EV_EVENTS");
    expect(info.config.subjects).toEqual(["troupe.ev.run.*.events", "troupe.ev.thread.*.runs"]);

    // interleave two runs, without awaiting each ack, as concurrent agents would
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => [log.append(started("r1", i)), log.append(started("r2", 100 + i))]).flat(),
    );
    const r1 = await log.read("r1");
    expect(r1.map((e) => (e.type === "agent.started" ? e.turn : -1))).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect((await log.read("r2")).every((e) => e.runId === "r2")).toBe(true);
    expect(await log.read("never-ran")).toEqual([]);

    // another client (its own connection) reads the same history
    const other = await (await bus("ev")).eventLog();
    expect(await other.read("r1")).toEqual(r1);
  });

  it("follows a run live from its first event until it completes", async () => {
    const log = await (await bus("follow")).eventLog();
    await log.append(started("r3", 0));
    const seen: TroupeEvent[] = [];
    const following = (async () => {
      for await (const event of log.follow("r3")) seen.push(event);
    })();
    await expect.poll(() => seen.length).toBe(1);
    await log.append(started("r3", 1));
    await log.append({
      type: "run.completed",
      runId: "r3",
      threadId: "t",
      at,
      output: "done",
      usage: { inputTokens: 0, outputTokens: 0, costUsd: 0, modelCalls: 0 },
    });
    await log.append(started("r3", 2)); // after the end: not part of the followed run
    await following;
    expect(seen.map((e) => e.type)).toEqual(["agent.started", "agent.started", "run.completed"]);

    const controller = new AbortController();
    const quiet = (async () => {
      const got: TroupeEvent[] = [];
      for await (const event of log.follow("r4", { signal: controller.signal })) got.push(event);
      return got;
    })();
    setTimeout(() => controller.abort(), 200);
    expect(await quiet).toEqual([]);
  });

  it("stores a team's events published over a durable bus, readable after the run by another client", async () => {
    const notes = defineTool({
      name: "search_notes",
      description: "Search notes",
      input: z.object({ query: z.string() }),
      run: ({ query }) => `notes about ${query}`,
    });
    const model = new ScriptedModel({
      lead: [delegate("researcher", "find facts"), finish("done")],
      researcher: [callTool("search_notes", { query: "sagas" }), "Fact: sagas compensate"],
    });
    const lead = defineAgent({ name: "lead", description: "Leads", instructions: "Lead.", model });
    const researcher = defineAgent({
      name: "researcher",
      description: "Finds facts",
      instructions: "Find.",
      tools: [notes],
      model,
    });
    const workerBus = await bus("durable", true);
    for (const agent of [lead, researcher]) await serveAgent(workerBus, agent, { model });
    const team = supervisor({
      name: "t",
      lead,
      workers: [researcher],
      store: memoryStore(),
      bus: await bus("durable", true),
      serveAgents: false,
    });
    const streamed: TroupeEvent[] = [];
    for await (const event of team.stream("go", { threadId: "th" })) streamed.push(event);
    expect(streamed.at(-1)?.type).toBe("run.completed");
    const runId = streamed[0]!.runId;

    const stored = await (await (await bus("durable")).eventLog()).read(runId);
    // the whole run is stored (the runtime's events and the agents'), in the order the team saw them
    expect(stored[0]?.type).toBe("run.started");
    expect(stored.at(-1)?.type).toBe("run.completed");
    expect(stored).toEqual(streamed);
    expect(stored.find((e) => e.type === "tool.called")).toMatchObject({
      agent: "researcher",
      tool: "search_notes",
      output: "notes about sagas",
    });
    // another namespace has its own stream and sees none of them
    expect(await (await (await bus("elsewhere")).eventLog()).read(runId)).toEqual([]);
  });
});
