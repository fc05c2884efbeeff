import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineAgent, invokeAgent, isTroupeError, serveAgent, type ModelClient, type TroupeEvent } from "@troupe/core";
import { jetstreamManager } from "@nats-io/jetstream";
import { NatsBus } from "@troupe/nats";
import { freePort, startNatsCluster, startNatsServer, type RunningNatsCluster } from "@troupe/testing";

let cluster: RunningNatsCluster;
beforeAll(async () => {
  cluster = await startNatsCluster({ nodes: 3 });
});
afterAll(async () => {
  await cluster?.stop();
});

const model: ModelClient = {
  id: "echo",
  async generate() {
    return {
      content: [{ type: "text", text: "pong" }],
      stopReason: "end_turn",
      usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 },
      model: "echo",
    };
  },
};
const at = new Date(0).toISOString();
const event = (turn: number): TroupeEvent => ({
  type: "agent.started",
  runId: "c1",
  threadId: "t",
  at,
  agent: "a",
  task: "t",
  turn,
});
const request = { runId: "c1", threadId: "t", agent: "pinger", task: "ping", messages: [], idempotencyKey: "k" };

describe("NatsBus on a 3-node cluster", () => {
  it("fails over to another node and keeps replicated run events", async () => {
    const worker = await NatsBus.connect({ servers: cluster.urls, namespace: "ha", reconnectTimeWaitMs: 100 });
    const client = await NatsBus.connect({
      servers: cluster.urls,
      namespace: "ha",
      reconnectTimeWaitMs: 100,
      eventLog: { replicas: 3 },
    });
    try {
      await serveAgent(worker, defineAgent({ name: "pinger", description: "Pings", instructions: "Ping.", model }), {
        model,
      });
      const log = await client.eventLog();
      for (let i = 0; i < 5; i++) await log.append(event(i));
      const info = await (await jetstreamManager(client.connection)).streams.info(log.stream);
      expect(info.config.num_replicas).toBe(3);
      expect(info.cluster?.replicas).toHaveLength(2);
      expect((await invokeAgent(client, request, { timeoutMs: 5000 })).output).toBe("pong");

      // kill the node the client is on; it moves to a survivor (the worker too, if it was there)
      const victim = cluster.nodes.find((n) => n.url.endsWith(`:${client.connection.getServer().split(":").at(-1)}`))!;
      expect(victim).toBeDefined();
      await victim.kill("SIGKILL");
      await expect
        .poll(
          async () =>
            invokeAgent(client, request, { timeoutMs: 1000 }).then(
              (r) => r.output,
              (e: unknown) => (isTroupeError(e) ? e.code : String(e)),
            ),
          { timeout: 10_000, interval: 250 },
        )
        .toBe("pong");
      expect(client.connection.getServer()).not.toContain(`:${victim.port}`);
      // the R3 stream elects a new leader if needed; the history is intact
      await expect
        .poll(
          async () => (await log.read("c1").catch(() => [])).map((e) => (e.type === "agent.started" ? e.turn : -1)),
          { timeout: 15_000, interval: 500 },
        )
        .toEqual([0, 1, 2, 3, 4]);
    } finally {
      await Promise.all([worker.close(), client.close()]);
    }
  });
});

describe("test servers", () => {
  it("says how to install nats-server when the binary is missing", async () => {
    await expect(startNatsServer({ binary: "/nonexistent/nats-server" })).rejects.toThrow(
      /install it: apt-get install -y nats-server/,
    );
  });

  it("rejects a connection to a port with no server as AGENT_UNAVAILABLE", async () => {
    const error = await NatsBus.connect({ servers: `nats://127.0.0.1:${await freePort()}` }).catch((e: unknown) => e);
    expect(isTroupeError(error, "AGENT_UNAVAILABLE")).toBe(true);
    expect((error as Error).message).toMatch(/is nats-server running/);
  });
});
