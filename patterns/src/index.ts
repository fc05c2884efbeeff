export { supervisorPattern, SupervisorOptions, workersOf } from "./supervisor/supervisor-pattern.js";
export { supervisor, type SupervisorTeamOptions } from "./supervisor/supervisor.js";
export { networkPattern } from "./network/network-pattern.js";
export { NetworkOptions, NetworkTermination, NETWORK_ROUTER, type EndReason } from "./network/network-spec.js";
export { type BlackboardEntry } from "./network/blackboard.js";
export { network, type NetworkTeamOptions } from "./network/network.js";
export { handoffPattern, HandoffOptions } from "./handoff/handoff-pattern.js";
export { handoff, type HandoffTeamOptions } from "./handoff/handoff.js";
export { swarmPattern, SwarmOptions } from "./swarm/swarm-pattern.js";
export { swarm, type SwarmTeamOptions } from "./swarm/swarm.js";
export {
  createHierarchicalPattern,
  withSubTeamPatterns,
  HierarchicalOptions,
} from "./hierarchical/hierarchical-pattern.js";
export {
  hierarchical,
  type HierarchicalTeamOptions,
  type SubTeamOptions,
  type PatternSubTeamOptions,
} from "./hierarchical/hierarchical.js";
export { resolveSubTeams } from "./hierarchical/resolve-sub-teams.js";
export { customPattern } from "./custom/custom-pattern.js";
export {
  CustomOptions,
  GraphSpec,
  GraphNode,
  GraphEdge,
  GraphCondition,
  GRAPH_END,
  type CustomSpec,
} from "./custom/custom-spec.js";
export { custom, type CustomTeamOptions } from "./custom/custom.js";
export { builtinPatterns } from "./builtin-patterns.js";
export { loadTeam, validateTeam, readTeamSource, type LoadTeamOptions } from "./load-team.js";
export { teamFromAgents, type BuilderOptions, type NodeSources } from "./team-from-agents.js";
