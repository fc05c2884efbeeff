import type { z } from "zod";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { StateSnapshot } from "@langchain/langgraph";
import type { AgentNodeFn, AgentNodePlan } from "./agent-node.js";
import type { ToolNodePlan } from "./tool-node.js";
import type { CodeNodePlan } from "./code-node.js";
import type { Agent } from "../authoring/define-agent.js";
import type { StepDefinition } from "../authoring/define-step.js";
import type { Tool } from "../authoring/define-tool.js";
import type { TeamStateValue } from "../protocol/team-state.js";
import type { TeamSpec } from "../spec/team-spec.js";
import type { SpecPattern, SpecProblem } from "../spec/spec-pattern.js";

export type { SpecProblem };

/** A compiled graph as the runtime drives it (a LangGraph CompiledStateGraph fits). */
export interface RunnableTeamGraph {
  stream(input: unknown, options?: Record<string, unknown>): Promise<AsyncIterable<unknown>>;
  getState(config: RunnableConfig): Promise<StateSnapshot>;
  getStateHistory(config: RunnableConfig): AsyncIterable<StateSnapshot>;
  getGraphAsync(config?: RunnableConfig): Promise<{ drawMermaid(options?: Record<string, unknown>): string }>;
  updateState(config: RunnableConfig, values: Record<string, unknown>, asNode?: string): Promise<RunnableConfig>;
}

/** What a pattern's `compile` returns: an uncompiled LangGraph StateGraph fits. */
export interface CompilableGraph {
  compile(options: { checkpointer?: BaseCheckpointSaver; name?: string }): unknown;
}

/** What a pattern gets to build its graph. */
export interface CompileContext {
  spec: TeamSpec;
  /** Every agent of the team, resolved. */
  agents: ReadonlyMap<string, Agent>;
  /** A graph node that calls `agent` through the bus (limits, events, records, failures handled). */
  agentNode<S extends TeamStateValue>(agent: string, plan: AgentNodePlan<S>): AgentNodeFn<S>;
  /** A graph node that runs code (a step) within the run (events, recorded results, failures handled). */
  codeNode<S extends TeamStateValue>(id: string, plan: CodeNodePlan<S>): AgentNodeFn<S>;
  /** A graph node that calls a tool under the full tool contract (approval, timeout, retry, breaker, saga, dead letters), as an agent's call would. */
  toolNode<S extends TeamStateValue>(id: string, plan: ToolNodePlan<S>): AgentNodeFn<S>;
  /** Every tool the team knows (given in code or exported by the spec's imports), by name. */
  tools?: ReadonlyMap<string, Tool>;
  /** Every step (defineStep) the team knows, by name. */
  steps?: ReadonlyMap<string, StepDefinition>;
}

export interface PatternDefinition<Options extends z.ZodObject = z.ZodObject> extends SpecPattern<Options> {
  compile(spec: TeamSpec & z.output<Options>, ctx: CompileContext): CompilableGraph;
  /**
   * Agents the pattern itself adds (e.g. a model router), served like spec agents with the team's
   * model. Names must not clash with the spec's agents.
   */
  syntheticAgents?(
    spec: TeamSpec & z.output<Options>,
  ): Array<{ name: string; description: string; instructions: string }>;
}

/**
 * Defines a coordination pattern: its own spec keys, cross-checks, and how a spec compiles to a
 * LangGraph StateGraph. Register it with a team loader to use it by name from YAML.
 *
 * @example
 * const pipeline = definePattern({
 *   name: "pipeline", description: "agents in a fixed order",
 *   options: z.object({ order: z.array(z.string()) }).strict(),
 *   compile: (spec, ctx) => buildPipelineGraph(spec, ctx),
 * });
 */
export function definePattern<Options extends z.ZodObject>(
  definition: PatternDefinition<Options>,
): PatternDefinition<Options> {
  return definition;
}

/** A pattern with its option types erased, as registries hold them. */
export type AnyPattern = PatternDefinition<z.ZodObject>;
