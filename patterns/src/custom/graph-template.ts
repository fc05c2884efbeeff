import { readPath } from "./graph-condition.js";

const REFERENCE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const WHOLE_REFERENCE = /^\{\{\s*([^{}]*?)\s*\}\}$/;

/** The state values a template may read. */
export const TEMPLATE_ROOTS = ["input", "outputs", "scratch"] as const;

/** What templates are filled from. */
export interface TemplateView {
  input: string;
  outputs: Record<string, unknown>;
  scratch: Record<string, unknown>;
}

/**
 * Fills `{{input}}`, `{{outputs.<node>}}` and `{{scratch.<key>}}` in a text; a value that is not
 * text is written as JSON, a missing one as nothing.
 *
 * @example
 * renderTemplate("Revise {{outputs.draft}} per {{outputs.critic}}", view);
 */
export function renderTemplate(template: string, view: TemplateView): string {
  return template.replace(REFERENCE, (_, path: string) => asText(readPath(view, path)));
}

/**
 * Fills references in every text of a tool input. A text that is only one reference
 * (`"{{outputs.plan}}"`) takes the value itself, so structured outputs pass through unchanged.
 *
 * @example
 * renderInput({ query: "{{input}}", items: "{{outputs.plan}}" }, view);
 */
export function renderInput(value: unknown, view: TemplateView): unknown {
  if (typeof value === "string") {
    const whole = WHOLE_REFERENCE.exec(value);
    return whole ? (readPath(view, whole[1]!) ?? null) : renderTemplate(value, view);
  }
  if (Array.isArray(value)) return value.map((item) => renderInput(item, view));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderInput(item, view)]));
  }
  return value;
}

/** Every reference path in a text or in the texts of a value, as written. */
export function referencesIn(value: unknown): string[] {
  if (typeof value === "string") return [...value.matchAll(REFERENCE)].map((m) => m[1]!);
  if (Array.isArray(value)) return value.flatMap(referencesIn);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(referencesIn);
  return [];
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}
