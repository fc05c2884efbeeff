import { LineCounter, parseDocument, type YAMLError } from "yaml";
import type { SpecProblem } from "./define-pattern.js";

/**
 * Parses spec text as YAML (a superset of JSON) or strict JSON, reporting syntax errors with
 * line and column (path `line 3, column 5`) instead of throwing.
 *
 * @example
 * const { value, problems } = parseSpecText(readFileSync("team.yaml", "utf8"), "yaml");
 * if (problems.length) throw specError(problems, "team.yaml");
 */
export function parseSpecText(text: string, format: "yaml" | "json" = "yaml"): { value?: unknown; problems: SpecProblem[] } {
  return format === "json" ? parseJson(text) : parseYaml(text);
}

function parseYaml(text: string): { value?: unknown; problems: SpecProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (!doc.errors.length) return { value: doc.toJS(), problems: [] };
  const problems: SpecProblem[] = [];
  for (const error of doc.errors) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const path = `line ${line}, column ${col}`;
    // one mistake often trips several parser errors at the same spot; the first says most
    if (!problems.some((p) => p.path === path)) problems.push({ path, message: `bad YAML: ${yamlMessage(error, text)}` });
  }
  return { problems };
}

function yamlMessage(error: YAMLError, text: string): string {
  const first = error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
  switch (error.code) {
    case "DUPLICATE_KEY":
      return `duplicate key ${JSON.stringify(keyText(text, error.pos[0]))}; a key may appear only once in a mapping, remove or rename one`;
    case "MULTIPLE_DOCS":
      return "the file holds more than one YAML document (a second ---); a spec is a single document";
    case "TAB_AS_INDENT":
      return `${first}; indent with spaces`;
    case "BAD_INDENT":
      return `${first}; check the indentation of this line against the one before`;
    case "BLOCK_AS_IMPLICIT_KEY":
      return `${first}; a key with a value on its line cannot also have indented keys under it (quote a value that contains ": ")`;
    case "MISSING_CHAR":
      return first.replace(/"quote$/, '" quote').replace(/'quote$/, "' quote");
    default:
      return first;
  }
}

/** The key written at `offset` (up to the colon), for naming a duplicate key. */
function keyText(text: string, offset: number): string {
  const rest = text.slice(offset).split("\n")[0]!;
  const colon = rest.search(/:(\s|$)/);
  return (colon >= 0 ? rest.slice(0, colon) : rest).trim().replace(/^["']|["']$/g, "");
}

function parseJson(text: string): { value?: unknown; problems: SpecProblem[] } {
  try {
    return { value: JSON.parse(text), problems: [] };
  } catch (error) {
    const found = jsonError(text);
    if (found) {
      const { line, column } = lineColumn(text, found.offset);
      return { problems: [{ path: `line ${line}, column ${column}`, message: `bad JSON: ${found.message}` }] };
    }
    // the scanner and JSON.parse disagree: keep JSON.parse's words without the echoed source text
    const message = (error instanceof Error ? error.message : String(error)).replace(/,\s*".*" is not valid JSON$/s, "");
    return { problems: [{ path: "(root)", message: `bad JSON: ${message}` }] };
  }
}

class JsonSyntax {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

/** Where strict JSON `text` first goes wrong, and how; undefined when it is valid. */
function jsonError(text: string): JsonSyntax | undefined {
  let i = 0;
  const space = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const fail = (expected: string, hint = ""): never => {
    const got = i >= text.length ? "end of file" : JSON.stringify(text[i]);
    throw new JsonSyntax(i, `unexpected ${got}, expected ${expected}${hint}`);
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      const c = text[i];
      if (c === undefined) fail('a closing "');
      if (c === '"') break;
      if (c! < " ") fail('a closing " on the same line', " (write a line break as \\n)");
      if (c === "\\") {
        i++;
        if (text[i] === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) i += 4;
        else if (!'"\\/bfnrt'.includes(text[i] ?? "x")) fail("an escape such as \\n, \\\" or \\u00e9");
      }
      i++;
    }
    i++;
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      i++;
      space();
      if (text[i] === close) return void i++;
      for (;;) {
        space();
        if (c === "{") {
          if (text[i] !== '"') fail('a "key" in double quotes', text[i] === close ? " (JSON allows no comma after the last item)" : "");
          string();
          space();
          if (text[i] !== ":") fail('":" after the key');
          i++;
        } else if (text[i] === close) fail("a value", " (JSON allows no comma after the last item)");
        value();
        space();
        if (text[i] === ",") i++;
        else if (text[i] === close) return void i++;
        else fail(`"," or "${close}"`);
      }
    }
    if (c === '"') return string();
    const literal = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null/y;
    literal.lastIndex = i;
    if (literal.exec(text)) return void (i = literal.lastIndex);
    fail("a value (text in double quotes, a number, true, false, null, { or [)");
  };
  try {
    value();
    space();
    if (i < text.length) fail("the end of the file", " (only one value may be at the top)");
    return undefined;
  } catch (error) {
    if (error instanceof JsonSyntax) return error;
    return undefined; // e.g. nesting too deep for the scanner: no position, JSON.parse's message is used
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}
