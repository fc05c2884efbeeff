// The troupe command line for end-to-end tests: as child processes (`node packages/cli/dist/bin.js`,
// built with npm run build) and in this process (the same main() bin.js runs), output collected.
import { spawn, type ChildProcess } from "node:child_process";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { main } from "../packages/cli/src/cli.js";

export const ROOT = resolve(import.meta.dirname, "..");
export const BIN = join(ROOT, "packages/cli/dist/bin.js");

const SCRUBBED = ["ANTHROPIC_API_KEY", "ORDER_FAIL_AT", "ORDER_SLOW_CHARGE_MS", "NATS_URL", "TROUPE_NAMESPACE"];

/** This process's environment without the variables that would change a run, plus `extra`. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const key of SCRUBBED) if (!(key in extra)) delete env[key];
  return env;
}

export interface TroupeChild {
  child: ChildProcess;
  exited: Promise<number | null>;
  out(): string;
  err(): string;
  /** Waits until stderr matches (usable in hooks too); throws with what it said otherwise. */
  waitFor(pattern: RegExp, timeout?: number): Promise<void>;
}

/** `node packages/cli/dist/bin.js ...` as a child process, added to `children` until it exits. */
export function spawnTroupe(args: string[], env: Record<string, string>, children: Set<ChildProcess>): TroupeChild {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: childEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const exited = new Promise<number | null>((done) =>
    child.once("exit", (code) => (children.delete(child), done(code))),
  );
  return {
    child,
    exited,
    out: () => stdout,
    err: () => stderr,
    waitFor: async (pattern, timeout = 20_000) => {
      const until = Date.now() + timeout;
      while (!pattern.test(stderr)) {
        if (Date.now() > until)
          throw new Error(`troupe ${args[0]}: no ${pattern} on stderr within ${timeout} ms; it said:\n${stderr}`);
        await sleep(50);
      }
    },
  };
}

/** The CLI in this process, output captured. */
export async function runCli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), env: childEnv({}), cwd: ROOT });
  return { code, out, err };
}
