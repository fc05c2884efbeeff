import { z } from "zod";

/** JSON Schema (draft 2020-12 minus $schema) of a zod schema, as the Messages API wants it. */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: "draft-2020-12", unrepresentable: "any" }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/** "query: expected string, received number; limit: too big" */
export function formatZodIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? formatPath(issue.path) + ": " : ""}${issue.message}`)
    .join("; ");
}

/** ["agents", "writer", "tools", 0] -> "agents.writer.tools[0]" */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
