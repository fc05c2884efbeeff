// Hostile specs (issue 10, point 4): a seeded corpus of broken, huge, deep, aliased, binary and
// special-file specs goes through validateTeam (what `troupe validate` calls) in a worker thread,
// so a hang is caught and stopped; a few go through the real CLI binary. Every invalid case must
// be a typed SPEC_INVALID / SPEC_NOT_FOUND whose every problem names its path; every valid case
// must be accepted.
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostileCorpus, type Category, type HostileCase } from "./hostile-spec-corpus.js";
import { BIN, ROOT } from "./troupe-cli.js";

const SEED = 0x7e57_5bec;
/** Longest one case may take in the worker before it counts as a hang. */
const CASE_BUDGET_MS = 5_000;
/** Longest one `troupe validate` process may take (most of it is node starting up). */
const CLI_BUDGET_MS = 30_000;

/** A problem's path: (root), (file), a line and column, or a key path such as agents.writer.tools[0]. */
const PATH =
  /^(\(root\)|\(file\)|line \d+, column \d+|(?:[A-Za-z_][\w-]*|\[(?:\d+|"(?:[^"\\]|\\.)*")\])(?:\.[A-Za-z_][\w-]*|\[(?:\d+|"(?:[^"\\]|\\.)*")\])*)$/;
/** The same, as the start of a `path: message` line. */
const PATH_LINE = new RegExp(`^${PATH.source.slice(1, -1)}: \\S`);

interface Outcome {
  accepted: boolean;
  typed?: boolean;
  code?: string;
  message?: string;
  problems?: { path: string; message: string }[];
  hung?: boolean;
  /** The worker died (an uncaught throw or a fatal error) instead of answering. */
  crashed?: boolean;
  ms: number;
}

let dir: string;
let corpus: HostileCase[];

/** Writes a case's files into its own directory; returns the spec path. */
function materialize(c: HostileCase, index: number): string {
  const at = join(dir, String(index));
  mkdirSync(at);
  for (const extra of c.extra ?? []) {
    if (extra.content === "fifo") mkfifo(join(at, extra.name));
    else writeFileSync(join(at, extra.name), extra.content);
  }
  const file = join(at, c.file);
  const content = c.content;
  if (typeof content === "string" || content instanceof Uint8Array) writeFileSync(file, content);
  else if (content.special === "fifo") mkfifo(file);
  else if (content.special === "dev-zero-link") symlinkSync("/dev/zero", file);
  else if (content.special === "dev-null") return "/dev/null";
  else if (content.special === "directory") mkdirSync(file);
  else if (content.special === "link-loop") symlinkSync(file, file);
  else if (content.special === "dangling-link") symlinkSync(join(at, "nowhere.yaml"), file);
  return file;
}

/** A named pipe at `path` (node has no mkfifo; the coreutils one is on every Linux and macOS runner). */
function mkfifo(path: string): void {
  const { status, stderr } = spawnSync("mkfifo", [path], { encoding: "utf8" });
  if (status !== 0) throw new Error(`mkfifo ${path}: ${stderr || `exit ${status}`}`);
}

/** Runs every file through validateTeam in a worker; a case past its budget is a hang (the worker is replaced). */
async function validateAll(files: string[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const start = async () => {
    const started = new Worker(new URL("./hostile-spec-worker.mjs", import.meta.url));
    await new Promise<void>((ready, failed) => {
      started.once("message", () => ready());
      started.once("error", failed);
    });
    return started;
  };
  let worker = await start();
  try {
    for (const [id, file] of files.entries()) {
      const started = performance.now();
      const outcome = await new Promise<Omit<Outcome, "ms">>((done) => {
        const timer = setTimeout(() => done({ accepted: false, hung: true }), CASE_BUDGET_MS);
        const settle = (outcome: Omit<Outcome, "ms">) => {
          clearTimeout(timer);
          worker.off("message", onMessage).off("error", onError);
          done(outcome);
        };
        const onMessage = (m: Omit<Outcome, "ms"> & { id: number }) => m.id === id && settle(m);
        const onError = (error: Error) => settle({ accepted: false, crashed: true, message: error.message });
        worker.on("message", onMessage).on("error", onError);
        worker.postMessage({ id, file });
      });
      if (outcome.hung || outcome.crashed) {
        await worker.terminate();
        worker = await start();
      }
      outcomes.push({ ...outcome, ms: performance.now() - started });
    }
  } finally {
    await worker.terminate();
  }
  return outcomes;
}

/** What is wrong with a case's outcome, or undefined when it is right. */
function verdict(c: HostileCase, o: Outcome): string | undefined {
  if (o.hung) return `hung (no answer within ${CASE_BUDGET_MS} ms)`;
  if (o.crashed) return `crashed the worker: ${o.message}`;
  if (c.valid) return o.accepted ? undefined : `valid spec rejected: ${o.message}`;
  if (o.accepted) return "invalid spec accepted";
  if (!o.typed) return `untyped error: ${o.message}`;
  if (o.code !== "SPEC_INVALID" && o.code !== "SPEC_NOT_FOUND") return `wrong code ${o.code}: ${o.message}`;
  if (o.code === "SPEC_NOT_FOUND")
    return c.expect && !c.expect.test(o.message!) ? `SPEC_NOT_FOUND without ${c.expect}: ${o.message}` : undefined;
  if (!o.problems?.length) return `SPEC_INVALID without problems: ${o.message}`;
  const unnamed = o.problems.find((p) => !PATH.test(p.path));
  if (unnamed) return `problem without a path: ${JSON.stringify(unnamed).slice(0, 200)}`;
  const lines = o.message!.split("\n").slice(1);
  if (lines.length !== o.problems.length || lines.some((l) => !PATH_LINE.test(l)))
    return `message lines do not each name a path: ${o.message!.slice(0, 300)}`;
  if (c.expect && !lines.some((l) => c.expect!.test(l)))
    return `no problem matches ${c.expect}: ${o.message!.slice(0, 400)}`;
  return undefined;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "troupe-hostile-"));
  corpus = hostileCorpus(ROOT, SEED);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("hostile specs", () => {
  it("the corpus is deterministic, large and covers every category", () => {
    const again = hostileCorpus(ROOT, SEED);
    expect(again.map((c) => c.id)).toEqual(corpus.map((c) => c.id));
    expect(corpus.length).toBeGreaterThanOrEqual(500);
    const categories: Category[] = [
      "mutation",
      "prototype-key",
      "name",
      "alias",
      "depth",
      "long-text",
      "binary",
      "special-file",
      "sub-team",
    ];
    for (const category of categories) {
      expect(
        corpus.some((c) => c.category === category && !c.valid),
        `${category}: an invalid case`,
      ).toBe(true);
      expect(
        corpus.some((c) => c.category === category && c.valid),
        `${category}: a valid case`,
      ).toBe(true);
    }
  });

  it("validateTeam rejects every invalid case with typed, path-named problems and accepts every valid one, without hanging", async () => {
    const files = corpus.map((c, i) => materialize(c, i));
    const outcomes = await validateAll(files);
    const failures = corpus.flatMap((c, i) => {
      const wrong = verdict(c, outcomes[i]!);
      return wrong ? [`${c.id}: ${wrong}`] : [];
    });
    const count = (test: (c: HostileCase, o: Outcome) => boolean) =>
      corpus.filter((c, i) => test(c, outcomes[i]!)).length;
    const hangs = count((_, o) => !!o.hung);
    const crashes = count((_, o) => !!o.crashed);
    const untyped = count((_, o) => !o.hung && !o.crashed && !o.accepted && !o.typed);
    const acceptedInvalid = count((c, o) => !c.valid && o.accepted);
    const rejected = count((c, o) => !c.valid && !o.accepted && !verdict(c, o));
    const validAccepted = count((c, o) => c.valid && o.accepted);
    const perCategory = [...new Set(corpus.map((c) => c.category))]
      .map((cat) => `${cat} ${corpus.filter((c) => c.category === cat).length}`)
      .join(", ");
    const slowest = Math.max(...outcomes.map((o) => o.ms));
    console.log(
      `hostile specs: ${corpus.length} cases, ${rejected} rejected with paths, ${validAccepted} valid accepted, ${hangs} hangs, ${crashes} crashes, ${untyped} untyped, ${acceptedInvalid} accepted invalid`,
    );
    console.log(`hostile specs by category: ${perCategory}; slowest case ${Math.round(slowest)} ms`);
    expect(failures).toEqual([]);
    expect(rejected + validAccepted).toBe(corpus.length);
  }, 120_000);

  it(
    "troupe validate (the CLI binary) refuses a FIFO, /dev/zero, a directory, a 10 MB file, an alias bomb and a prototype key at once, exit 1",
    async () => {
      const at = join(dir, "cli");
      mkdirSync(at);
      mkfifo(join(at, "pipe.yaml"));
      symlinkSync("/dev/zero", join(at, "zero.yaml"));
      mkdirSync(join(at, "folder.yaml"));
      writeFileSync(join(at, "big.yaml"), `name: big\n${"# pad\n".repeat(2_000_000)}`);
      writeFileSync(
        join(at, "bomb.yaml"),
        [
          "a: &a [x, x, x, x, x, x, x, x, x]",
          ...Array.from(
            { length: 8 },
            (_, i) =>
              `l${i}: &l${i} [${Array(9)
                .fill(i ? `*l${i - 1}` : "*a")
                .join(", ")}]`,
          ),
        ].join("\n"),
      );
      writeFileSync(
        join(at, "proto.yaml"),
        "name: t\npattern: supervisor\nsupervisor: lead\nagents:\n  lead: { description: d, instructions: i }\n  constructor: { description: d, instructions: i }\n",
      );
      const cases: [string, RegExp][] = [
        ["pipe.yaml", /\(file\): is a named pipe \(FIFO\), not a regular file/],
        ["zero.yaml", /\(file\): is a device, not a regular file/],
        ["folder.yaml", /\(file\): is a directory, not a regular file/],
        ["big.yaml", /\(file\): is \d+ bytes, over the limit of 1048576/],
        ["bomb.yaml", /line \d+, column \d+: bad YAML: the aliases \(\*name\) expand to too many values/],
        ["proto.yaml", /agents\.constructor: "constructor" is not allowed as a key anywhere in a spec/],
      ];
      const validate = (file: string) =>
        new Promise<{ code: number | null; stderr: string }>((done) => {
          const child = execFile(
            process.execPath,
            [BIN, "validate", file],
            { cwd: at, timeout: CLI_BUDGET_MS, encoding: "utf8" },
            (_error, _stdout, stderr) =>
              done({
                code: child.exitCode,
                stderr: child.exitCode === null ? `killed after ${CLI_BUDGET_MS} ms (a hang)\n${stderr}` : stderr,
              }),
          );
        });
      // two at a time: node's start-up dominates, and CI runners have two cores
      const runs: { code: number | null; stderr: string }[] = [];
      for (let i = 0; i < cases.length; i += 2)
        runs.push(...(await Promise.all(cases.slice(i, i + 2).map(([file]) => validate(file)))));
      runs.forEach((run, i) => {
        const [file, expected] = cases[i]!;
        expect(run.code, `${file}: ${run.stderr}`).toBe(1);
        expect(run.stderr, file).toMatch(/^troupe: .*invalid team spec \(\d+ problems?\):\n/);
        expect(run.stderr, file).toMatch(expected);
        expect(run.stderr, file).not.toMatch(/unexpected error/);
        for (const line of run.stderr.trimEnd().split("\n").slice(1)) expect(line.slice(2), file).toMatch(PATH_LINE);
      });
    },
    4 * CLI_BUDGET_MS,
  );
});
