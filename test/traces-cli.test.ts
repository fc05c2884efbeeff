import type { ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, spawnTroupe } from "./troupe-cli.js";

/** One span as OTLP/HTTP JSON carries it (the fields this test reads). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: Array<{ key: string; value: { stringValue?: string; intValue?: number | string } }>;
  status?: { code?: number };
}
interface OtlpBody {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans: Array<{ spans: OtlpSpan[] }>;
  }>;
}

// a small OTLP/HTTP receiver: what `troupe run` exports with OTEL_EXPORTER_OTLP_PROTOCOL=http/json
const bodies: Array<{ path: string; type: string; body: OtlpBody }> = [];
let receiver: Server;
let port: number;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let text = "";
    req.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
    req.on("end", () => {
      bodies.push({ path: req.url ?? "", type: req.headers["content-type"] ?? "", body: JSON.parse(text) as OtlpBody });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  port = (receiver.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await new Promise((resolve) => receiver.close(resolve));
});

const otel = () => ({
  OTEL_TRACES_EXPORTER: "otlp",
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
  OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
  OTEL_SERVICE_NAME: "troupe-cli-test",
});

/** The spans received for one thread's run (by its conversation id), with the service names they came from. */
function received(threadId: string) {
  const spans = bodies.flatMap(({ body }) =>
    body.resourceSpans.flatMap((rs) =>
      rs.scopeSpans.flatMap((ss) =>
        ss.spans.map((span) => ({
          ...span,
          service: rs.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue,
        })),
      ),
    ),
  );
  const attr = (span: OtlpSpan, key: string) => {
    const value = span.attributes?.find((a) => a.key === key)?.value;
    return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
  };
  const run = spans.find((s) => s.name.startsWith("run ") && attr(s, "gen_ai.conversation.id") === threadId);
  return { all: spans.filter((s) => s.traceId === run?.traceId), run, attr };
}

describe("troupe run exports its spans over OTLP when OTEL_* asks for it", () => {
  it("a completed run: every span of the run in one trace, sent before the process exits", async () => {
    const spec = join(ROOT, "examples/patterns/supervisor.yaml");
    const threadId = `otel-cli-${Date.now()}`;
    const run = spawnTroupe(
      ["run", spec, "--input", "What should we know before a launch?", "--thread", threadId],
      otel(),
      children,
    );
    expect(await run.exited).toBe(0);

    expect(bodies.every((b) => b.path === "/v1/traces" && b.type.startsWith("application/json"))).toBe(true);
    const { all, run: root, attr } = received(threadId);
    expect(root).toBeDefined();
    expect(root!.service).toBe("troupe-cli-test");
    expect(root!.parentSpanId ?? "").toBe("");
    expect(new Set(all.map((s) => s.name))).toEqual(
      new Set([
        `run ${attr(root!, "troupe.team.name")}`,
        "invoke_agent lead",
        "invoke_agent analyst",
        "invoke_agent writer",
        "chat offline",
        "handoff lead -> analyst",
        "handoff lead -> writer",
      ]),
    );
    const agents = all.filter((s) => s.name.startsWith("invoke_agent "));
    expect(agents).toHaveLength(5);
    for (const agent of agents) expect(agent.parentSpanId).toBe(root!.spanId);
    const chats = all.filter((s) => s.name === "chat offline");
    for (const chat of chats) expect(agents.map((a) => a.spanId)).toContain(chat.parentSpanId);
    expect(attr(chats[0]!, "gen_ai.usage.input_tokens")).toEqual(expect.any(Number));
  });

  it("a failed run (exit code 1) still delivers its spans, the run's with the error status", async () => {
    const spec = join(ROOT, "examples/order-saga/team.yaml");
    const threadId = `otel-cli-fail-${Date.now()}`;
    const dir = mkdtempSync(join(tmpdir(), "otel-cli-"));
    const run = spawnTroupe(
      ["run", spec, "--input", "Order 3 lamps to Berlin", "--thread", threadId],
      {
        ...otel(),
        ORDER_FAIL_AT: "ship",
        ORDER_LEDGER: join(dir, "ledger.jsonl"),
      },
      children,
    );
    expect(await run.exited).toBe(1);

    const { all, run: root, attr } = received(threadId);
    expect(root?.status?.code).toBe(2); // ERROR
    expect(attr(root!, "error.type")).toBe("TOOL_FAILED");
    const failedTool = all.find((s) => s.name === "execute_tool ship_order");
    expect(failedTool?.status?.code).toBe(2);
    expect(all.some((s) => s.name.startsWith("compensate "))).toBe(true);
  });
});
