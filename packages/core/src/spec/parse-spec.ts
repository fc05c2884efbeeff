import { Composer, Lexer, LineCounter, Parser, visit, YAMLParseError, type Document, type YAMLError } from "yaml";
import type { SpecProblem } from "./spec-pattern.js";
import { SPEC_LIMITS, specLimitProblems } from "./spec-limits.js";

/**
 * Parses spec text as YAML (a superset of JSON) or strict JSON, reporting syntax errors with
 * line and column (path `line 3, column 5`) instead of throwing. Text over the size limit,
 * nesting deeper than the limit (found while parsing, before it can exhaust the stack), alias
 * bombs and prototype keys are problems too (see {@link SPEC_LIMITS}).
 *
 * @example
 * const { value, problems } = parseSpecText(readFileSync("team.yaml", "utf8"), "yaml");
 * if (problems.length) throw specError(problems, "team.yaml");
 */
export function parseSpecText(
  text: string,
  format: "yaml" | "json" = "yaml",
): { value?: unknown; problems: SpecProblem[] } {
  if (text.length > SPEC_LIMITS.maxFileBytes) {
    return {
      problems: [
        {
          path: "(root)",
          message: `the spec text is ${text.length} characters long, over the limit of ${SPEC_LIMITS.maxFileBytes}; a team spec is a few KB`,
        },
      ],
    };
  }
  const nul = text.indexOf("\0");
  if (nul >= 0) {
    const { line, column } = lineColumn(text, nul);
    return {
      problems: [
        { path: `line ${line}, column ${column}`, message: "a NUL character; a spec is text (is this a binary file?)" },
      ],
    };
  }
  const parsed = format === "json" ? parseJson(text) : parseYaml(text);
  if (parsed.problems.length) return parsed;
  const problems = specLimitProblems(parsed.value);
  return problems.length ? { problems } : parsed;
}

/** Thrown inside the token stream to stop parsing as soon as nesting goes past the limit. */
class TooDeep {
  constructor(readonly offset: number) {}
}

/**
 * One YAML document, parsed lexeme by lexeme so nesting is checked as it grows: the parser's
 * stack holds the open collections (plus the document and its root), and the composer, which
 * recurses once per level, never sees a tree deeper than the limit.
 */
function parseYamlDocument(text: string, lineCounter: LineCounter): Document.Parsed | TooDeep {
  const parser = new Parser(lineCounter.addNewLine);
  function* tokens() {
    lineCounter.addNewLine(0); // as Parser.parse does: the first line starts at offset 0
    for (const lexeme of new Lexer().lex(text)) {
      yield* parser.next(lexeme);
      if (parser.stack.length > SPEC_LIMITS.maxDepth + 2) throw new TooDeep(parser.offset);
    }
    yield* parser.end();
  }
  const composer = new Composer({ prettyErrors: false, uniqueKeys: true });
  let doc: Document.Parsed | undefined;
  try {
    for (const next of composer.compose(tokens(), true, text.length)) {
      if (!doc) doc = next;
      else {
        doc.errors.push(
          new YAMLParseError(
            next.range.slice(0, 2) as [number, number],
            "MULTIPLE_DOCS",
            "Source contains multiple documents",
          ),
        );
        break;
      }
    }
  } catch (error) {
    if (error instanceof TooDeep) return error;
    throw error;
  }
  return doc!;
}

function parseYaml(text: string): { value?: unknown; problems: SpecProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseYamlDocument(text, lineCounter);
  if (doc instanceof TooDeep) {
    const { line, col } = lineCounter.linePos(doc.offset);
    return {
      problems: [
        {
          path: `line ${line}, column ${col}`,
          message: `bad YAML: nested deeper than ${SPEC_LIMITS.maxDepth} levels; a team spec needs a handful, flatten this value`,
        },
      ],
    };
  }
  if (!doc.errors.length) return toValue(doc, lineCounter);
  const problems: SpecProblem[] = [];
  for (const error of doc.errors) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const path = `line ${line}, column ${col}`;
    // one mistake often trips several parser errors at the same spot; the first says most
    if (!problems.some((p) => p.path === path))
      problems.push({ path, message: `bad YAML: ${yamlMessage(error, text)}` });
  }
  return { problems };
}

/** The document as plain data, refusing an alias bomb (aliases that expand past the budget). */
function toValue(doc: Document.Parsed, lineCounter: LineCounter): { value?: unknown; problems: SpecProblem[] } {
  try {
    return { value: doc.toJS({ maxAliasCount: SPEC_LIMITS.maxAliasCount }), problems: [] };
  } catch (error) {
    // yaml throws a ReferenceError for excessive aliasing; name the first alias, where expansion starts
    let offset = 0;
    visit(doc, { Alias: (_key, node) => ((offset = node.range?.[0] ?? 0), visit.BREAK) });
    const { line, col } = lineCounter.linePos(offset);
    const reason =
      error instanceof ReferenceError && /Excessive alias/.test(error.message)
        ? `the aliases (*name) expand to too many values (budget ${SPEC_LIMITS.maxAliasCount}); write the values out or alias less`
        : (error instanceof Error ? error.message : String(error)).split("\n")[0];
    return { problems: [{ path: `line ${line}, column ${col}`, message: `bad YAML: ${reason}` }] };
  }
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
  const deep = jsonTooDeep(text);
  if (deep !== undefined) {
    const { line, column } = lineColumn(text, deep);
    return {
      problems: [
        {
          path: `line ${line}, column ${column}`,
          message: `bad JSON: nested deeper than ${SPEC_LIMITS.maxDepth} levels; a team spec needs a handful, flatten this value`,
        },
      ],
    };
  }
  try {
    return { value: JSON.parse(text), problems: [] };
  } catch (error) {
    const found = jsonError(text);
    if (found) {
      const { line, column } = lineColumn(text, found.offset);
      return { problems: [{ path: `line ${line}, column ${column}`, message: `bad JSON: ${found.message}` }] };
    }
    // the scanner and JSON.parse disagree: keep JSON.parse's words without the echoed source text
    const message = (error instanceof Error ? error.message : String(error)).replace(
      /,\s*".*" is not valid JSON$/s,
      "",
    );
    return { problems: [{ path: "(root)", message: `bad JSON: ${message}` }] };
  }
}

/** Where JSON `text` first opens a collection past the depth limit (strings skipped), if anywhere. */
function jsonTooDeep(text: string): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (c === "[" || c === "{") {
      if (++depth > SPEC_LIMITS.maxDepth) return i;
    } else if (c === "]" || c === "}") depth--;
  }
  return undefined;
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
        else if (!'"\\/bfnrt'.includes(text[i] ?? "x")) fail('an escape such as \\n, \\" or \\u00e9');
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
          if (text[i] !== '"')
            fail('a "key" in double quotes', text[i] === close ? " (JSON allows no comma after the last item)" : "");
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
