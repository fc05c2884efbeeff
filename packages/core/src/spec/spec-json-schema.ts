import { z } from "zod";
import type { SpecPattern } from "./spec-pattern.js";
import { BaseSpecSchema } from "./team-spec.js";

/**
 * The JSON Schema of a team spec, one branch per pattern, for editors and other tools.
 *
 * @example
 * writeFileSync("team.schema.json", JSON.stringify(teamSpecJsonSchema(builtinPatterns), null, 2));
 */
export function teamSpecJsonSchema(patterns: Iterable<SpecPattern>): Record<string, unknown> {
  const branches = [...patterns].map((p) =>
    BaseSpecSchema.extend({ ...p.options.shape, pattern: z.literal(p.name).describe(p.description) }).strict(),
  );
  const [first, ...rest] = branches;
  if (!first) throw new Error("teamSpecJsonSchema needs at least one pattern");
  const schema = rest.length ? z.union([first, ...rest]) : first;
  return {
    title: "Troupe team spec",
    ...(z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>),
  };
}
