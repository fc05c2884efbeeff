import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { connect } from "@nats-io/transport-node";
import {
  defineAgent,
  defineTool,
  invokeAgent,
  isTroupeError,
  memoryStore,
  ReplySchema,
  serveAgent,
  TroupeError,
  type ModelClient,
  type TroupeEvent,
} from "@troupe/core";
import { NatsBus } from "@troupe/nats";
import { supervisor } from "@troupe/patterns";
import { ScriptedModel, callTool, delegate, finish, startNatsServer, type RunningNatsServer } from "@troupe/testing";

let server: RunningNatsServer;
const buses: NatsBus[] = [];
async function bus(namespace: string, extra: Partial<Parameters<typeof NatsBus.connect>[0]> = {}): Promise<NatsBus> {
  const b = await NatsBus.connect({ servers: server.url, namespace, ...extra });
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

/** A model that answers every request with a fixed text, or with what `answer` returns. */
function echoModel(answer: (request: Parameters<ModelClient["generate"]>[0]) => Promise<string> | string): ModelClient {
  return {
    id: "echo",
    async generate(request) {
      return {
        content: [{ type: "text", text: await answer(request) }],
        stopReason: "end_turn",
        usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 },
        model: "echo",
      };
    },
  };
}
const request = (agent: string, task = "hi") => ({
  runId: "r1",
  threadId: "t1",
  agent,
  task,
  messages: [],
  idempotencyKey: `k-${Math.random()}`,
});

describe("supervisor team over NatsBus", () => {
  const notes = defineTool({
    name: "search_notes",
    description: "Search notes",
    input: z.object({ query: z.string() }),
    run: ({ query }) => [{ title: "sagas", snippet: `notes about ${query}` }],
  });
  async function team(model: ScriptedModel, maxTurns = 12) {
    const lead = defineAgent({ name: "lead", description: "Leads", instructions: "Lead the team.", model });
    const researcher = defineAgent({
      name: "researcher",
      description: "Finds facts",
      instructions: "Find facts.",
      tools: [notes],
      model,
    });
    const writer = defineAgent({ name: "writer", description: "Writes briefs", instructions: "Write.", model });
    // the agents live behind a second connection, as in a worker process; the team only calls them
    const workerBus = await bus(`sup${maxTurns}`);
    for (const agent of [lead, researcher, writer]) await serveAgent(workerBus, agent, { model });
    return supervisor({
      name: "research",
      lead,
      workers: [researcher, writer],
      limits: { maxTurns },
      store: memoryStore(),
      bus: await bus(`sup${maxTurns}`),
      serveAgents: false,
    });
  }

  it("routes one worker at a time, shows each result to the lead, and finishes", async () => {
    const model = new ScriptedModel({
      lead: [
        delegate("researcher", "find facts on sagas"),
        delegate("writer", "write a brief from: facts"),
        finish("BRIEF: sagas undo work"),
      ],
      researcher: [callTool("search_notes", { query: "sagas" }), "Fact: sagas compensate"],
      writer: ["Brief: sagas compensate in reverse"],
    });
    const t = await team(model);
    const events: TroupeEvent[] = [];
    for await (const ev of t.stream("Brief me on sagas", { threadId: "t1" })) events.push(ev);
    const state = await t.state("t1");
    expect(state?.status).toBe("completed");
    expect(state?.output).toBe("BRIEF: sagas undo work");
    expect(state?.steps.map((s) => s.agent)).toEqual(["lead", "researcher", "lead", "writer", "lead"]);
    const lastUser = model.callsBy("lead")[1]!.messages.at(-1)!;
    expect(lastUser.content[0]).toMatchObject({ type: "tool_result", content: "Fact: sagas compensate" });
    // tool.called is published by the worker's connection and reaches the team's subscription
    expect(events.find((e) => e.type === "tool.called")).toMatchObject({ agent: "researcher", tool: "search_notes" });
    expect(events.at(-1)?.type).toBe("run.completed");
    model.assertAllUsed();
  });

  it("stops at maxTurns with a typed error and a partial result", async () => {
    const model = new ScriptedModel({
      lead: Array.from({ length: 10 }, () => delegate("writer", "again")),
      writer: Array.from({ length: 10 }, () => "draft"),
    });
    const t = await team(model, 3);
    const error = await t.run("loop forever", { threadId: "t2" }).catch((e: unknown) => e);
    expect(isTroupeError(error, "MAX_TURNS_EXCEEDED")).toBe(true);
    const partial = (error as { details: { result: { steps: { agent: string }[]; status: string } } }).details.result;
    expect(partial.status).toBe("failed");
    expect(partial.steps.map((s) => s.agent)).toEqual(["lead", "writer", "lead"]);
  });
});

describe("NatsBus", () => {
  it("shares one agent's load between two worker processes", async () => {
    const script = fileURLToPath(new URL("./nats-echo-worker.mjs", import.meta.url));
    const built = fileURLToPath(new URL("../packages/nats/dist/index.js", import.meta.url));
    expect(existsSync(built), "the child worker imports the built packages; run `npm run build` (tsc -b) first").toBe(
      true,
    );
    const child: ChildProcess = spawn(process.execPath, [script, server.url, "load", "child"], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
        child.once("exit", (code) => reject(new Error(`worker exited with ${code}`)));
      });
      let servedHere = 0;
      const model = echoModel(() => (servedHere++, "served by parent"));
      await serveAgent(
        await bus("load"),
        defineAgent({ name: "echo", description: "Echo", instructions: "Echo.", model }),
        { model },
      );
      const client = await bus("load");
      const results = await Promise.all(
        Array.from({ length: 20 }, () => invokeAgent(client, request("echo"), { timeoutMs: 10_000 })),
      );
      const counts = new Map<string, number>();
      for (const r of results) counts.set(String(r.output), (counts.get(String(r.output)) ?? 0) + 1);
      expect([...counts.keys()].sort()).toEqual(["served by child", "served by parent"]);
      expect(counts.get("served by child")! + counts.get("served by parent")!).toBe(20);
      // a queue group hands each request to one worker: this one ran exactly the requests it answered
      expect(servedHere).toBe(counts.get("served by parent"));
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("answers malformed and oversized messages with typed errors and keeps serving", async () => {
    const model = echoModel(() => "still here");
    await serveAgent(
      await bus("strict", { maxMessageBytes: 64 * 1024 }),
      defineAgent({ name: "echo", description: "Echo", instructions: "Echo.", model }),
      { model },
    );
    const raw = await connect({ servers: server.url });
    try {
      const subject = "troupe.strict.agent.echo.invoke";
      const notJson = await raw.request(subject, "{not json", { timeout: 5000 });
      expect(ReplySchema.parse(notJson.json())).toMatchObject({
        ok: false,
        error: { code: "BUS_MESSAGE_INVALID", retryable: false },
      });
      expect(notJson.headers?.get("troupe-error")).toBe("BUS_MESSAGE_INVALID");
      const big = await raw.request(subject, JSON.stringify({ task: "x".repeat(100_000) }), { timeout: 5000 });
      const bigReply = ReplySchema.parse(big.json());
      expect(bigReply).toMatchObject({ ok: false, error: { code: "BUS_MESSAGE_INVALID" } });
      expect(!bigReply.ok && bigReply.error.message).toMatch(/over this worker's limit of 65536 bytes/);
      const wrongShape = ReplySchema.parse(
        (await raw.request(subject, JSON.stringify({ hello: 1 }), { timeout: 5000 })).json(),
      );
      expect(wrongShape).toMatchObject({ ok: false, error: { code: "BUS_MESSAGE_INVALID" } });
    } finally {
      await raw.close();
    }
    const client = await bus("strict");
    const tooBig = await invokeAgent(client, request("echo", "y".repeat(100_000)), { timeoutMs: 5000 }).catch(
      (e: unknown) => e,
    );
    expect(isTroupeError(tooBig, "BUS_MESSAGE_INVALID")).toBe(true);
    expect((await invokeAgent(client, request("echo"), { timeoutMs: 5000 })).output).toBe("still here");
  });

  it("keeps namespaces apart: no agents and no events across them", async () => {
    const model = echoModel(() => "from b");
    const a = await bus("a");
    const b = await bus("b");
    await serveAgent(b, defineAgent({ name: "echo", description: "Echo", instructions: "Echo.", model }), { model });
    expect((await invokeAgent(b, request("echo"), { timeoutMs: 5000 })).output).toBe("from b");
    const error = await invokeAgent(a, request("echo"), { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(isTroupeError(error, "AGENT_UNAVAILABLE")).toBe(true);
    expect((error as TroupeError).retryable).toBe(true);

    const seenByA: unknown[] = [];
    const seenByB: unknown[] = [];
    await a.subscribe("run.r9.events", (m) => seenByA.push(m));
    const gotB = new Promise<void>((resolve) => void b.subscribe("run.r9.events", (m) => (seenByB.push(m), resolve())));
    await new Promise((r) => setTimeout(r, 50));
    await b.publish("run.r9.events", { type: "run.started", runId: "r9" });
    await gotB;
    await a.connection.flush();
    expect(seenByB).toEqual([{ type: "run.started", runId: "r9" }]);
    expect(seenByA).toEqual([]);
  });

  it("aborts the handler's signal at the caller's deadline", async () => {
    const worker = await bus("deadline");
    const seen: { afterMs: number; reason: unknown }[] = [];
    await worker.serve("slow", (_payload, { signal }) => {
      const start = Date.now();
      return new Promise((_, reject) =>
        signal.addEventListener("abort", () => {
          seen.push({ afterMs: Date.now() - start, reason: signal.reason });
          reject(signal.reason);
        }),
      );
    });
    const client = await bus("deadline");
    const started = Date.now();
    const error = await client.request("slow", { work: 1 }, { timeoutMs: 400 }).catch((e: unknown) => e);
    expect(isTroupeError(error, "AGENT_TIMEOUT")).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]!.afterMs).toBeGreaterThan(300);
    expect(seen[0]!.afterMs).toBeLessThan(1000);
    expect(isTroupeError(seen[0]!.reason, "AGENT_TIMEOUT")).toBe(true);

    // through an agent: the model's own signal fires at the caller's deadline
    let modelAbortedAfter = -1;
    const model = echoModel(
      (req) =>
        new Promise((_, reject) => {
          const start = Date.now();
          req.signal?.addEventListener(
            "abort",
            () => ((modelAbortedAfter = Date.now() - start), reject(req.signal!.reason)),
          );
        }),
    );
    await serveAgent(worker, defineAgent({ name: "waiter", description: "Waits", instructions: "Wait.", model }), {
      model,
    });
    const agentError = await invokeAgent(client, request("waiter"), { timeoutMs: 400 }).catch((e: unknown) => e);
    expect(isTroupeError(agentError, "AGENT_TIMEOUT")).toBe(true);
    await expect.poll(() => modelAbortedAfter).toBeGreaterThan(300);
    expect(modelAbortedAfter).toBeLessThan(1000);
  });

  it("reconnects after the server restarts on the same port", async () => {
    const own = await startNatsServer();
    const opts = { servers: own.url, namespace: "restart", reconnectTimeWaitMs: 100 };
    const worker = await NatsBus.connect(opts);
    const client = await NatsBus.connect(opts);
    try {
      const model = echoModel(() => "alive");
      await serveAgent(worker, defineAgent({ name: "echo", description: "Echo", instructions: "Echo.", model }), {
        model,
      });
      expect((await invokeAgent(client, request("echo"), { timeoutMs: 5000 })).output).toBe("alive");
      const reconnected = [worker, client].map((b) => waitForStatus(b, "reconnect"));
      await own.kill();
      await own.start();
      await Promise.all(reconnected);
      // a round trip proves the worker's queue subscription is registered again on the new server
      await worker.connection.flush();
      expect((await invokeAgent(client, request("echo"), { timeoutMs: 5000 })).output).toBe("alive");
    } finally {
      await Promise.all([worker.close(), client.close()]);
      await own.stop();
    }
  });
});

async function waitForStatus(b: NatsBus, type: string): Promise<void> {
  for await (const status of b.connection.status()) if (status.type === type) return;
}
