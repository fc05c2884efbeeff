import { resolve } from "node:path";

export const PATTERN_SPECS_DIR = resolve(import.meta.dirname, "../examples/patterns");

/** Each built-in pattern as a YAML team with no imports: input, the agents that act (in order), an edge of its graph. */
export const patternCases: Array<[pattern: string, input: string, agents: string[], edge: string]> = [
  [
    "supervisor",
    "What should we know before a launch?",
    ["lead", "analyst", "lead", "writer", "lead"],
    "lead -.-> analyst",
  ],
  [
    "hierarchical",
    "Brief me on our market",
    ["ceo", "research_lead", "finder", "research_lead", "checker", "research_lead", "ceo", "summary", "ceo"],
    "ceo -.-> research",
  ],
  ["handoff", "What does the pro plan cost? I need pricing", ["reception", "sales"], "reception -.-> sales"],
  ["swarm", "Plan a trip with flights to Lisbon", ["generalist", "travel"], "generalist -.-> travel"],
  ["network", "Should we open an office in Lisbon?", ["optimist", "skeptic", "judge", "optimist"], "optimist"],
  ["custom", "remote work", ["drafter", "reviewer", "reviewer", "editor"], "draft"],
];
