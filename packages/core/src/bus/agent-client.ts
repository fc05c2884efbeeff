import { z } from "zod";
import {
  AgentRequestSchema,
  AgentResultSchema,
  SagaStepSchema,
  agentService,
  compensateService,
  type AgentRequest,
  type AgentResult,
} from "../protocol/agent-protocol.js";
import { TroupeError } from "../errors.js";
import { formatZodIssues } from "../zod-format.js";
import { ReplySchema, type Bus } from "./bus.js";

export const CompensateRequestSchema = z.object({ runId: z.string(), threadId: z.string(), step: SagaStepSchema });
export type CompensateRequest = z.infer<typeof CompensateRequestSchema>;

/** Calls an agent over a bus and returns its validated result, or throws its typed error. */
export async function invokeAgent(
  bus: Bus,
  request: AgentRequest,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<AgentResult> {
  const payload = AgentRequestSchema.parse(request);
  return parseReply(request.agent, await bus.request(agentService(request.agent), payload, options), AgentResultSchema);
}

/** Asks an agent's host to undo one saga step. */
export async function invokeCompensation(
  bus: Bus,
  request: CompensateRequest,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<void> {
  await parseReply(
    request.step.agent,
    await bus.request(compensateService(request.step.agent), request, options),
    z.unknown(),
  );
}

function parseReply<T extends z.ZodType>(agent: string, raw: unknown, schema: T): z.output<T> {
  const reply = ReplySchema.safeParse(raw);
  if (!reply.success)
    throw new TroupeError(
      "BUS_MESSAGE_INVALID",
      `agent ${agent} sent a malformed reply: ${formatZodIssues(reply.error)}`,
    );
  if (!reply.data.ok) throw TroupeError.fromInfo(reply.data.error);
  const result = schema.safeParse(reply.data.value);
  if (!result.success)
    throw new TroupeError(
      "BUS_MESSAGE_INVALID",
      `agent ${agent} sent a malformed result: ${formatZodIssues(result.error)}`,
    );
  return result.data;
}
