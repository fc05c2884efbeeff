import { createLogger, parseLogLevel, type Logger, type LogLevel } from "@troupe/core";
import { prettyFactory } from "pino-pretty";
import { UsageError, type CliIO } from "./cli-io.js";

export type LogFormat = "json" | "pretty";

/** Commands that run until stopped: they log at info, as JSON lines on stdout (their own lines go to stderr). */
const SERVICES = new Set(["worker", "orchestrator"]);

/**
 * The logger a command runs with. Level: `--log-level`, else `TROUPE_LOG_LEVEL`, else info for
 * worker and orchestrator and warn for the rest. Format: `--log-format`, else `TROUPE_LOG_FORMAT`,
 * else JSON lines for worker and orchestrator, pretty for a terminal, JSON otherwise. Worker and
 * orchestrator log on stdout (their startup and progress lines are on stderr); every other command
 * logs on stderr, so its stdout (results, --json) stays as it is.
 */
export function cliLogger(
  command: string,
  flags: { "log-level"?: string | undefined; "log-format"?: string | undefined },
  io: CliIO,
): Logger {
  const service = SERVICES.has(command);
  const level =
    logLevel(flags["log-level"], "--log-level") ??
    logLevel(io.env.TROUPE_LOG_LEVEL, "TROUPE_LOG_LEVEL") ??
    (service ? "info" : "warn");
  const format =
    logFormat(flags["log-format"], "--log-format") ??
    logFormat(io.env.TROUPE_LOG_FORMAT, "TROUPE_LOG_FORMAT") ??
    (!service && process.stderr.isTTY ? "pretty" : "json");
  const write = service ? io.out : io.err;
  const pretty =
    format === "pretty"
      ? prettyFactory({
          colorize: Boolean(process.stderr.isTTY) && !io.env.NO_COLOR,
          ignore: "pid,hostname",
          singleLine: true,
        })
      : undefined;
  return createLogger({
    level,
    destination: { write: (line: string) => write((pretty ? pretty(line) : line).trimEnd()) },
  });
}

function logLevel(value: string | undefined, from: string): LogLevel | undefined {
  try {
    return parseLogLevel(value, from);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function logFormat(value: string | undefined, from: string): LogFormat | undefined {
  if (value === undefined || value === "") return undefined;
  if (value !== "json" && value !== "pretty") throw new UsageError(`${from} "${value}" is not json or pretty`);
  return value;
}
