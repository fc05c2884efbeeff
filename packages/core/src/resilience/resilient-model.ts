import type { EventSink } from "../protocol/events.js";
import type { ModelClient } from "../protocol/model-client.js";
import { callPipeline, type PipelineSetup } from "./call-pipeline.js";

/** Where a model's calls are made: the run they belong to, and the model that stands in for it. */
export interface ModelCallContext {
  emit: EventSink;
  runId?: string;
  threadId?: string;
  /** Answers when the model fails retryably or its breaker is open. */
  fallback?: ModelClient;
}

/**
 * A model client whose every call goes through the model's call pipeline: the retry policy of
 * `resilience.models.<id>.retry` (none by default: the agent request is retried instead), its
 * breaker, its fallback client and your interceptors. The client itself must not retry.
 *
 * @example
 * const model = resilientModel(anthropic(), { resilience, breakers }, { emit, fallback: offlineModel() });
 * const answer = await model.generate(request);
 */
export function resilientModel(model: ModelClient, setup: PipelineSetup, context: ModelCallContext): ModelClient {
  const { fallback } = context;
  const pipeline = callPipeline("model", model.id, setup, fallback ? { fallback: fallback.id } : {});
  return {
    id: model.id,
    generate: (request) =>
      pipeline(
        {
          kind: "model",
          name: model.id,
          attempt: 0,
          emit: context.emit,
          ...(context.runId ? { runId: context.runId } : {}),
          ...(context.threadId ? { threadId: context.threadId } : {}),
          ...(request.signal ? { signal: request.signal } : {}),
        },
        (call) => {
          const client = call.fallbackFrom !== undefined && fallback ? fallback : model;
          return client.generate(call.signal === request.signal ? request : { ...request, signal: call.signal });
        },
      ),
  };
}
