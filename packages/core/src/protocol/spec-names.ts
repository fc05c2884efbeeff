/**
 * Names a spec defines (team, agents, graph nodes, sub-teams) and code defines (agents, steps)
 * become parts of NATS subjects and graph node ids, so they use only characters safe there: no
 * `.`, `*`, `>`, whitespace or control characters. A name starts with a letter, at most 64 long.
 */
export const SPEC_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Tool names may also start with a digit or `_` (model APIs allow it); still subject-safe. */
export const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** What a spec author is told when a name breaks {@link SPEC_NAME}. */
export const SPEC_NAME_RULE = "must start with a letter and use only letters, digits, _ or - (at most 64)";

/** What a spec author is told when a tool name breaks {@link TOOL_NAME}. */
export const TOOL_NAME_RULE = "a tool name uses only letters, digits, _ or - (at most 64)";
