import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentRegistry, NatsBus } from "@troupe/nats";
import { startNatsServer, type RunningNatsServer } from "@troupe/testing";

let server: RunningNatsServer;
let bus: NatsBus;

beforeAll(async () => {
  server = await startNatsServer();
  bus = await NatsBus.connect({ servers: server.url, namespace: "reg" });
});
afterAll(async () => {
  await bus?.close();
  await server?.stop();
});

describe("AgentRegistry", () => {
  it("lists live agents, keeps heartbeating ones, and drops an entry whose heartbeats stop after its TTL", async () => {
    const ttlMs = 1500;
    const registry = await AgentRegistry.open(bus.connection, { namespace: "reg", ttlMs, heartbeatMs: 300 });
    expect(registry.bucket).toBe("troupe_reg_agents");
    const schema = { type: "object", properties: { topic: { type: "string" } } };
    const r1 = await registry.register({ name: "researcher", workerId: "w1", version: "1.0.0", inputSchema: schema });
    const r2 = await registry.register({ name: "researcher", workerId: "w2", version: "1.1.0" });
    const writer = await registry.register({ name: "writer", workerId: "w1", version: "2.0.0" });
    // a worker that registered once and then died: it never heartbeats again
    const silent = await AgentRegistry.open(bus.connection, { namespace: "reg", ttlMs, heartbeatMs: 60_000 });
    const dead = await silent.register({ name: "critic", workerId: "gone", version: "0.1.0" });
    const since = Date.now();

    const listed = await registry.list();
    expect(listed.map((e) => `${e.name}.${e.workerId}@${e.version}`)).toEqual([
      "critic.gone@0.1.0",
      "researcher.w1@1.0.0",
      "researcher.w2@1.1.0",
      "writer.w1@2.0.0",
    ]);
    expect(listed.find((e) => e.workerId === "w1" && e.name === "researcher")?.inputSchema).toEqual(schema);
    expect((await registry.list("researcher")).map((e) => e.workerId)).toEqual(["w1", "w2"]);
    expect(r1.key).toBe("researcher.w1");

    // the silent entry expires after the TTL; heartbeating ones stay
    await expect
      .poll(async () => (await registry.list()).map((e) => e.name), { timeout: 6000, interval: 200 })
      .not.toContain("critic");
    expect(Date.now() - since).toBeGreaterThanOrEqual(ttlMs - 100);
    await new Promise((r) => setTimeout(r, ttlMs)); // another full TTL: heartbeats keep the others alive
    const live = await registry.list();
    expect(live.map((e) => `${e.name}.${e.workerId}`)).toEqual(["researcher.w1", "researcher.w2", "writer.w1"]);
    expect(Date.parse(live[0]!.heartbeatAt)).toBeGreaterThan(Date.parse(live[0]!.registeredAt));

    // stop() removes the entry at once
    await r2.stop();
    expect((await registry.list("researcher")).map((e) => e.workerId)).toEqual(["w1"]);
    await Promise.all([r1.stop(), writer.stop(), dead.stop()]);
    expect(await registry.list()).toEqual([]);
  });
});
