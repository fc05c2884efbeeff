export { supervisorPattern, SupervisorOptions, workersOf } from "./supervisor/supervisor-pattern.js";
export { supervisor, type SupervisorTeamOptions } from "./supervisor/supervisor.js";
export { builtinPatterns } from "./builtin-patterns.js";
export { loadTeam, type LoadTeamOptions } from "./load-team.js";
export { teamFromAgents, type BuilderOptions } from "./team-from-agents.js";
