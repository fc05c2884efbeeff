import { parseArgs } from "node:util";
import { defaultLogger, ignored, isTroupeError, setDefaultLogger, teamSpecJsonSchema, type Team } from "@troupe/core";
import { builtinPatterns } from "@troupe/patterns";
import { UsageError, type CliIO } from "./cli-io.js";
import { historyCommand } from "./commands/history-command.js";
import { checkEventsFlag, printRun, runCommand, waitOption } from "./commands/run-command.js";
import { eventsCommand } from "./commands/events-command.js";
import { traceCommand } from "./commands/trace-command.js";
import { validateCommand } from "./commands/validate-command.js";
import { openAnyThread, openLetterThread, openSpec, openThread } from "./open-team.js";
import {
  cancelCommand,
  decideCommand,
  dlqCommand,
  pauseCommand,
  resumeCommand,
  statusCommand,
} from "./commands/lifecycle-commands.js";
import {
  agentsCommand,
  natsDlqCommand,
  orchestratorCommand,
  runOverNatsCommand,
  submitCommand,
  watchCommand,
  workerCommand,
} from "./commands/nats-commands.js";
import { natsConfigCommand } from "./commands/nats-config-command.js";
import { openStore } from "./open-store.js";
import { cliLogger } from "./cli-logger.js";

const HELP = `troupe — run multi-agent teams

Usage:
  troupe run <spec> --input <text> [--thread <id>] [--model <m>] [--wait [ms]] [--json] [--events jsonl]
  troupe validate <spec>
  troupe graph <spec>
  troupe history <thread> [--all] [--json]
  troupe events <thread> [--follow] [--json]   the thread's stored event log (--follow: until the run settles)
  troupe trace <thread>            waterfall of the latest run: nodes, agents, tools, durations, tokens, cost
  troupe replay <thread> [--from <checkpoint>] [--live [--live-tools]] [--fork] [--model <m>] [--json]
  troupe status <thread> [--json]
  troupe pause <thread>            stop at the next step boundary
  troupe resume <thread> [--model <m>] [--wait [ms]] [--json]
  troupe cancel <thread>           abort in-flight calls, compensate (also a run whose process died)
  troupe approve|reject <thread> [--id <approval>] [--as <who>] [--comment <text>] [--json]
  troupe dlq list [--json] | troupe dlq redrive <id> [--wait [ms]]
  troupe threads
  troupe schema

Every command that reads or writes a thread takes --store <file> (default .troupe/checkpoints.sqlite).
A spec's imports: load code only from the spec's own directory and below; --allow-imports <dir>
(repeatable) allows another directory, on every command that loads a spec or a thread's team.
A thread has one active run at a time: a second caller fails with THREAD_BUSY, or waits with --wait [ms].
While a run prints progress, Ctrl-C once pauses it at the next step boundary, twice cancels it
(compensating), three times exits at once and leaves it resumable. Exit codes: 0 done (completed,
paused or waiting for approval), 1 failed, cancelled or refused, 2 usage error, 130/143 stopped by
SIGINT/SIGTERM.
Models: the agent's own, else the spec's, else --model, else Claude when ANTHROPIC_API_KEY is set,
else the offline demo model.

Distributed (NATS; see docs/distributed.md):
  troupe worker --agents <module> --store <db> [--nats <url>] [--namespace <ns>] [--model <m>]
                                         (--store: the store its callers use; hosts agents with their resilience policy)
  troupe orchestrator --nats <url> --store postgres://... [--team <spec>]... [--allow-imports <dir>]... [--namespace <ns>]
                      [--remote-agents] [--ack-wait <ms>] [--max-deliver <n>]
                                         (--team registers a team requests may name, imports from its own directory;
                                          submitted specs import code only from --allow-imports dirs, none by default)
  worker and orchestrator take --metrics-port <n> [--metrics-host <ip>]: Prometheus metrics on
                                         http://127.0.0.1:<n>/metrics (0: a free port, printed; see docs/observability.md)
  troupe submit <spec> --input <text> [--thread <id>] --nats <url>     (validated as troupe run does; prints the thread id)
  troupe submit --team <name>[@<version>] --input <text> [--thread <id>] --nats <url>   (a registered team: no spec sent)
  troupe watch <thread> --nats <url> [--json]
  troupe agents --nats <url> [--json]
  troupe run <spec> --input <text> --nats <url>                        (agents served by workers)
  troupe dlq list | troupe dlq redrive <seq>   --nats <url>           (the run queue's dead letters)
  troupe nats config --namespace <ns> [--namespace <ns>...] [--out <dir>] [--port <n>] [--host <ip>]
                                         (nats-server config: one account per namespace, a 0600 nkey file each)
Every NATS command takes --namespace <ns> and the namespace's credentials: --nkey <file> (what
troupe nats config writes) or --creds <file>, else NATS_NKEY, NATS_CREDS, NATS_USER/NATS_PASSWORD, NATS_TOKEN.

Logs (every command): --log-level fatal|error|warn|info|debug|trace|silent (or TROUPE_LOG_LEVEL; default
warn, info for worker and orchestrator) and --log-format json|pretty (or TROUPE_LOG_FORMAT; default pretty
on a terminal, else JSON lines). Logs go to stderr; worker and orchestrator write JSON lines to stdout.

Checkpoints go to .troupe/checkpoints.sqlite unless --store says otherwise (a file, or postgres://...).
Models: the agent's own, else --model, else Claude when ANTHROPIC_API_KEY is set, else the offline demo model.`;

const OPTIONS = {
  input: { type: "string", short: "i" },
  thread: { type: "string", short: "t" },
  model: { type: "string", short: "m" },
  store: { type: "string", short: "s" },
  from: { type: "string" },
  all: { type: "boolean" },
  fork: { type: "boolean" },
  live: { type: "boolean" },
  "live-tools": { type: "boolean" },
  json: { type: "boolean" },
  follow: { type: "boolean", short: "f" },
  events: { type: "string" },
  as: { type: "string" },
  comment: { type: "string" },
  id: { type: "string" },
  wait: { type: "string" },
  help: { type: "boolean", short: "h" },
  nats: { type: "string" },
  namespace: { type: "string", multiple: true },
  nkey: { type: "string" },
  creds: { type: "string" },
  out: { type: "string" },
  port: { type: "string" },
  host: { type: "string" },
  agents: { type: "string" },
  "remote-agents": { type: "boolean" },
  "ack-wait": { type: "string" },
  "max-deliver": { type: "string" },
  "allow-imports": { type: "string", multiple: true },
  team: { type: "string", multiple: true },
  "metrics-port": { type: "string" },
  "metrics-host": { type: "string" },
  "log-level": { type: "string" },
  "log-format": { type: "string" },
} as const;

/** Flags every command takes. */
const GLOBAL_FLAGS: readonly string[] = ["help", "log-level", "log-format"];

const ALLOWED: Record<string, readonly (keyof typeof OPTIONS)[]> = {
  run: [
    "input",
    "thread",
    "model",
    "store",
    "json",
    "events",
    "nats",
    "namespace",
    "nkey",
    "creds",
    "wait",
    "allow-imports",
  ],
  events: ["store", "json", "follow"],
  trace: ["store"],
  validate: ["allow-imports"],
  graph: ["allow-imports"],
  history: ["store", "json", "all", "allow-imports"],
  replay: ["from", "live", "live-tools", "fork", "store", "json", "model", "wait", "allow-imports"],
  threads: ["store"],
  status: ["store", "json", "allow-imports"],
  pause: ["store", "allow-imports"],
  resume: ["store", "json", "model", "wait", "allow-imports"],
  cancel: ["store", "allow-imports"],
  approve: ["store", "as", "comment", "json", "id", "wait", "allow-imports"],
  reject: ["store", "as", "comment", "json", "id", "wait", "allow-imports"],
  dlq: ["store", "json", "nats", "namespace", "nkey", "creds", "wait", "allow-imports"],
  worker: ["agents", "nats", "namespace", "nkey", "creds", "model", "store", "metrics-port", "metrics-host"],
  orchestrator: [
    "nats",
    "namespace",
    "nkey",
    "creds",
    "store",
    "model",
    "remote-agents",
    "ack-wait",
    "max-deliver",
    "allow-imports",
    "team",
    "metrics-port",
    "metrics-host",
  ],
  submit: ["input", "thread", "nats", "namespace", "nkey", "creds", "allow-imports", "team"],
  watch: ["nats", "namespace", "nkey", "creds", "json"],
  agents: ["nats", "namespace", "nkey", "creds", "json"],
  nats: ["namespace", "out", "port", "host"],
  schema: [],
  help: [],
};

/**
 * Runs the troupe command line with the given arguments; returns the exit code.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2), processIO);
 */
export async function main(argv: string[], io: CliIO): Promise<number> {
  let team: Team | undefined;
  const previousLogger = defaultLogger();
  try {
    const { values: parsed, positionals } = parseFlags(argv);
    const [command, target, ...extra] = positionals;
    const { namespace: namespaces, ...rest } = parsed;
    const values = { ...rest, ...(namespaces ? { namespace: namespaces.at(-1) } : {}) };
    if (!command || command === "help" || values.help) {
      io.out(HELP);
      return command || values.help ? 0 : 2;
    }
    const allowed = ALLOWED[command];
    if (!allowed) throw new UsageError(`unknown command "${command}"; run troupe help`);
    setDefaultLogger(cliLogger(command, values, io));
    for (const flag of Object.keys(values)) {
      if (!GLOBAL_FLAGS.includes(flag) && !allowed.includes(flag as keyof typeof OPTIONS))
        throw new UsageError(`troupe ${command} does not take --${flag}`);
    }
    if (command === "nats") {
      if (target !== "config" || extra.length)
        throw new UsageError(
          "troupe nats needs config: troupe nats config --namespace <ns> [--namespace <ns>...] [--out <dir>]",
        );
      return await natsConfigCommand(parsed, io);
    }
    if (namespaces && namespaces.length > 1)
      throw new UsageError(
        `troupe ${command} takes one --namespace (got ${namespaces.join(", ")}); only troupe nats config takes several`,
      );
    if (command === "dlq") {
      if (target !== "list" && target !== "redrive") throw new UsageError("troupe dlq needs list or redrive <id>");
      if (target === "redrive" && !extra[0])
        throw new UsageError("troupe dlq redrive needs a dead-letter id (see troupe dlq list)");
      if (values.nats) return await natsDlqCommand(target, extra[0], values, io);
      team = target === "redrive" ? await openLetterThread(extra[0]!, values, io) : await openAnyThread(values, io);
      return await dlqCommand(team, target, extra[0], values, io);
    }
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}" (quote text with spaces)`);
    const needs = (what: string) => {
      if (!target) throw new UsageError(`troupe ${command} needs ${what}`);
      return target;
    };
    switch (command) {
      case "run": {
        const spec = needs('a spec file: troupe run team.yaml --input "..."');
        if (values.input === undefined || values.input.trim() === "")
          throw new UsageError('troupe run needs --input "<what to ask the team>"');
        checkEventsFlag(values);
        if (values.nats) {
          if (values.events)
            throw new UsageError("--events applies to a local run; follow a NATS run with troupe watch");
          return await runOverNatsCommand(spec, values, io);
        }
        team = await openSpec(spec, values, io);
        return await runCommand(team, values.input, values, io);
      }
      case "worker":
        return await workerCommand(values, io);
      case "orchestrator":
        return await orchestratorCommand(values, io);
      case "submit":
        return await submitCommand(target, values, io);
      case "watch":
        return await watchCommand(needs("a thread id (troupe submit prints it)"), values, io);
      case "agents":
        return await agentsCommand(values, io);
      case "validate":
        return await validateCommand(needs("a spec file"), values, io);
      case "graph": {
        team = await openSpec(needs("a spec file"), { ...values, memory: true }, io, false);
        io.out(await team.mermaid());
        return 0;
      }
      case "history": {
        const thread = needs("a thread id (see troupe threads)");
        team = await openThread(thread, values, io, false);
        return await historyCommand(team, thread, values, io);
      }
      case "replay": {
        const thread = needs("a thread id (see troupe threads)");
        // a plain replay calls no model, so the offline notice would only confuse
        if (values["live-tools"] && !values.live)
          throw new UsageError("--live-tools only applies with --live (a plain replay runs no tool)");
        team = await openThread(thread, values, io, values.live === true);
        if (values.live) {
          io.err(
            values["live-tools"]
              ? "troupe: note: live replay with --live-tools: models are called again and tools with side effects (compensate, or not idempotent) run again"
              : "troupe: note: live replay: models are called again; tools with side effects (compensate, or not idempotent) answer from the recorded run and never run again (--live-tools runs them)",
          );
        }
        const events = team.replayStream(thread, {
          ...(values.from ? { from: values.from } : {}),
          live: values.live ?? false,
          liveTools: values["live-tools"] ?? false,
          fork: values.fork ?? false,
          ...waitOption(values),
        });
        return await printRun(team, events, thread, values, io);
      }
      case "status":
      case "pause":
      case "resume":
      case "cancel":
      case "approve":
      case "reject": {
        const thread = needs("a thread id (see troupe threads)");
        team = await openThread(thread, values, io);
        if (command === "status") return await statusCommand(team, thread, values, io);
        if (command === "pause") return await pauseCommand(team, thread, io);
        if (command === "resume") return await resumeCommand(team, thread, values, io);
        if (command === "cancel") return await cancelCommand(team, thread, io);
        return await decideCommand(team, thread, command === "approve", values, io);
      }
      case "events":
      case "trace": {
        const thread = needs("a thread id (see troupe threads)");
        const store = openStore(values.store, io);
        try {
          return command === "events"
            ? await eventsCommand(store, thread, values, io)
            : await traceCommand(store, thread, io);
        } finally {
          await store.close();
        }
      }
      case "threads": {
        const store = openStore(values.store, io);
        const threads = await store.threads.listThreads();
        await store.close();
        if (!threads.length) io.err(`no threads in ${store.kind}`);
        for (const t of threads) io.out(`${t.threadId.padEnd(38)}${String(t.spec.name).padEnd(24)}${t.updatedAt}`);
        return 0;
      }
      case "schema":
        io.out(JSON.stringify(teamSpecJsonSchema(builtinPatterns), null, 2));
        return 0;
    }
    return 2;
  } catch (error) {
    return report(error, io);
  } finally {
    await team
      ?.close()
      .catch(ignored(defaultLogger(), "the command's outcome is decided; closing only lets go of the store"));
    setDefaultLogger(previousLogger);
  }
}

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: withWaitValue(argv), options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(
      error instanceof Error ? error.message.split("\n")[0]!.replace(/\. To specify.*$/, "") : String(error),
    );
  }
}

/** `--wait` takes an optional value: `--wait 5000` waits 5 s, a bare `--wait` waits for as long as it takes. */
function withWaitValue(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== "--wait") out.push(argv[i]!);
    else if (/^\d+$/.test(argv[i + 1] ?? "")) out.push(`--wait=${argv[++i]}`);
    else out.push("--wait=forever");
  }
  return out;
}

function report(error: unknown, io: CliIO): number {
  if (error instanceof UsageError) {
    io.err(`troupe: ${error.message}`);
    return 2;
  }
  if (isTroupeError(error)) {
    if (error.code === "SPEC_INVALID") {
      io.err(`troupe: ${error.message.split("\n")[0]}`);
      for (const line of error.message.split("\n").slice(1)) io.err(`  ${line}`);
    } else io.err(`troupe: ${error.message} [${error.code}]`);
    return 1;
  }
  io.err(`troupe: unexpected error: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
}
