import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryStore, type TroupeEvent } from "@troupe/core";
import { NatsBus } from "@troupe/nats";
import { loadTeam } from "@troupe/patterns";
import { startNatsServer, type RunningNatsServer } from "@troupe/testing";
import { PATTERN_SPECS_DIR, patternCases } from "./pattern-cases.js";

let server: RunningNatsServer;
const buses: NatsBus[] = [];

beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
  await server?.stop();
});

async function connect(namespace: string): Promise<NatsBus> {
  const bus = await NatsBus.connect({ servers: server.url, namespace });
  buses.push(bus);
  return bus;
}

// The same teams and assertions as test/pattern-specs.test.ts, with every agent call crossing NATS
// to agents served by another connection (a worker, in effect).
describe("every pattern over the NATS bus, same assertions as in-process", () => {
  it.each(patternCases)("%s", async (pattern, input, agents) => {
    const spec = join(PATTERN_SPECS_DIR, `${pattern}.yaml`);
    const namespace = `p-${pattern}`;
    const worker = await loadTeam(spec, { store: memoryStore(), env: {}, bus: await connect(namespace) });
    await worker.serveAgents();
    const team = await loadTeam(spec, {
      store: memoryStore(),
      env: {},
      bus: await connect(namespace),
      serveAgents: false,
    });
    const events: TroupeEvent[] = [];
    for await (const ev of team.stream(input, { threadId: "t" })) events.push(ev);
    const result = await team.result("t");
    expect(result?.status).toBe("completed");
    expect(result?.steps.map((s) => s.agent)).toEqual(agents);
    // the agents ran in the worker: their events crossed the bus
    expect(events.filter((e) => e.type === "agent.completed").length).toBe(agents.length);

    const local = await loadTeam(spec, { store: memoryStore(), env: {} });
    expect((await local.run(input, { threadId: "t" })).output).toEqual(result?.output);
  });
});
