import type { TeamSpec } from "@troupe/core";

/** Name and description of each agent, as directive tools show them to a model. */
export function targetsOf(spec: TeamSpec, names: readonly string[]): { name: string; description: string }[] {
  return names.map((name) => ({ name, description: spec.agents[name]?.description ?? name }));
}

/** An agent's output as the text another agent reads. */
export function resultText(output: unknown): string {
  if (typeof output === "string") return output || "(empty answer)";
  return JSON.stringify(output ?? null);
}
