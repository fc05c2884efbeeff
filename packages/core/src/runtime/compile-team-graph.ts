import { createAgentNode, type AgentNodeDeps } from "../graph/agent-node.js";
import { createCodeNode } from "../graph/code-node.js";
import { createToolNode } from "../graph/tool-node.js";
import type { AnyPattern, RunnableTeamGraph } from "../graph/define-pattern.js";
import type { Agent } from "../authoring/define-agent.js";
import type { StepDefinition } from "../authoring/define-step.js";
import type { Tool } from "../authoring/define-tool.js";
import type { TeamSpec } from "../spec/team-spec.js";
import type { TeamStore } from "../stores/team-store.js";

export interface TeamGraphSource {
  spec: TeamSpec;
  pattern: AnyPattern;
  agents: ReadonlyMap<string, Agent>;
  store: TeamStore;
  tools?: ReadonlyMap<string, Tool> | undefined;
  steps?: ReadonlyMap<string, StepDefinition> | undefined;
}

/** The pattern's graph, with the team's agent, code and tool nodes, compiled against the store's checkpointer. */
export function compileTeamGraph(source: TeamGraphSource, deps: AgentNodeDeps): RunnableTeamGraph {
  const builder = source.pattern.compile(source.spec, {
    spec: source.spec,
    agents: source.agents,
    agentNode: (agent, plan) => createAgentNode(deps, agent, plan),
    codeNode: (id, plan) => createCodeNode(deps, id, plan),
    toolNode: (id, plan) => createToolNode({ ...deps, journal: source.store.docs }, id, plan),
    ...(source.tools ? { tools: source.tools } : {}),
    ...(source.steps ? { steps: source.steps } : {}),
  });
  return builder.compile({ checkpointer: source.store.checkpointer, name: source.spec.name }) as RunnableTeamGraph;
}
