import { AgentRequestSchema, AgentResultSchema, agentService, type AgentRequest, type AgentResult } from "./agent-protocol.js";
import { ReplySchema, type Bus, type Reply, type Subscription } from "./bus.js";
import type { Agent } from "./define-agent.js";
import { formatZodIssues } from "./define-tool.js";
import { toTroupeError, TroupeError } from "./errors.js";
import { runEventsTopic, type EventBody, type TroupeEvent } from "./events.js";
import type { ModelClient } from "./model-client.js";
import { runAgent, type RunAgentDeps } from "./run-agent.js";

export interface ServeAgentOptions {
  model: ModelClient;
  toolResults?: RunAgentDeps["toolResults"];
}

/**
 * Serves an agent on a bus: validates each request, runs the agent, publishes its events on the
 * run's topic, and always answers with a typed reply (never throws at the caller).
 *
 * @example
 * await serveAgent(bus, researcher, { model: offlineModel() });
 */
export async function serveAgent(bus: Bus, agent: Agent, options: ServeAgentOptions): Promise<Subscription> {
  return bus.serve(agentService(agent.name), async (payload, { signal }): Promise<Reply> => {
    const parsed = AgentRequestSchema.safeParse(payload);
    if (!parsed.success) {
      return { ok: false, error: new TroupeError("BUS_MESSAGE_INVALID", `bad request for agent ${agent.name}: ${formatZodIssues(parsed.error)}`).toInfo() };
    }
    const request = parsed.data;
    const emit = (event: EventBody) => {
      const stamped = { ...event, runId: request.runId, threadId: request.threadId, at: new Date().toISOString() } as TroupeEvent;
      void bus.publish(runEventsTopic(request.runId), stamped).catch(() => undefined);
    };
    try {
      const value = await runAgent(agent, request, { model: options.model, emit, signal, ...(options.toolResults ? { toolResults: options.toolResults } : {}) });
      return { ok: true, value };
    } catch (error) {
      return { ok: false, error: toTroupeError(error, "INTERNAL", `agent ${agent.name}`).toInfo() };
    }
  });
}

/** Calls an agent over a bus and returns its validated result, or throws its typed error. */
export async function invokeAgent(bus: Bus, request: AgentRequest, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<AgentResult> {
  const payload = AgentRequestSchema.parse(request);
  const raw = await bus.request(agentService(request.agent), payload, options);
  const reply = ReplySchema.safeParse(raw);
  if (!reply.success) throw new TroupeError("BUS_MESSAGE_INVALID", `agent ${request.agent} sent a malformed reply: ${formatZodIssues(reply.error)}`);
  if (!reply.data.ok) throw TroupeError.fromInfo(reply.data.error);
  const result = AgentResultSchema.safeParse(reply.data.value);
  if (!result.success) throw new TroupeError("BUS_MESSAGE_INVALID", `agent ${request.agent} sent a malformed result: ${formatZodIssues(result.error)}`);
  return result.data;
}
