import type { AnyPattern } from "@troupe/core";
import { supervisorPattern } from "./supervisor/supervisor-pattern.js";
import { createHierarchicalPattern } from "./hierarchical/hierarchical-pattern.js";
import { networkPattern } from "./network/network-pattern.js";
import { handoffPattern } from "./handoff/handoff-pattern.js";
import { swarmPattern } from "./swarm/swarm-pattern.js";
import { customPattern } from "./custom/custom-pattern.js";

/** Every pattern Troupe ships, by name. */
export const builtinPatterns: readonly AnyPattern[] = [
  supervisorPattern,
  networkPattern,
  handoffPattern,
  swarmPattern,
  customPattern,
  createHierarchicalPattern(() => builtinPatterns),
];
