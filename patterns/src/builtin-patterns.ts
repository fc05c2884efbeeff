import type { AnyPattern } from "@troupe/core";
import { supervisorPattern } from "./supervisor/supervisor-pattern.js";

/** Every pattern Troupe ships, by name. */
export const builtinPatterns: readonly AnyPattern[] = [supervisorPattern];
