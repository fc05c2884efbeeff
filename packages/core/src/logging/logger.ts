import { isSpanContextValid, trace } from "@opentelemetry/api";
import { pino, type DestinationStream, type Level, type LevelWithSilent, type Logger } from "pino";
import { TroupeError } from "../errors.js";

export type { Logger } from "pino";

/** A pino level, or `silent` for none. */
export type LogLevel = LevelWithSilent;

/** The levels `--log-level` and `TROUPE_LOG_LEVEL` take, most to least severe. */
export const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export interface LoggerOptions {
  /** Default: `TROUPE_LOG_LEVEL`, else `silent` (a library keeps its users' output clean unless asked). */
  level?: LogLevel;
  /** Where JSON lines go (default: stderr, written synchronously so no line is lost on exit). */
  destination?: DestinationStream;
  /**
   * The trace id put on every line as `traceId` (default: the active OpenTelemetry span's, when a
   * tracer provider is registered and a span is active; a function returning undefined adds nothing).
   */
  traceIdOf?: () => string | undefined;
  /** Read for `TROUPE_LOG_LEVEL` (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * A pino logger for Troupe: JSON lines with `time`, `level` and `msg`, plus `traceId` when
 * `traceIdOf` finds one. Pass it as `logger` to a team, `loadTeam` or `serveAgent`, or make it
 * the default with `setDefaultLogger`.
 *
 * @example
 * const logger = createLogger({ level: "info" });
 * const team = await loadTeam("team.yaml", { logger });
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const env = options.env ?? process.env;
  const level = options.level ?? parseLogLevel(env.TROUPE_LOG_LEVEL, "TROUPE_LOG_LEVEL") ?? "silent";
  const traceIdOf = options.traceIdOf ?? activeTraceId;
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: () => {
        const traceId = traceIdOf();
        return traceId ? { traceId } : {};
      },
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

/** A level name, checked; undefined or empty gives undefined. */
export function parseLogLevel(value: string | undefined, from = "--log-level"): LogLevel | undefined {
  if (value === undefined || value === "") return undefined;
  const level = value.toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(level))
    throw new TroupeError(
      "LOG_SETTING_INVALID",
      `${from} "${value}" is not a log level; use one of ${LOG_LEVELS.join(", ")}`,
    );
  return level;
}

let current: Logger | undefined;

/**
 * The logger Troupe uses when none is passed (created on first use with `createLogger()`:
 * silent unless `TROUPE_LOG_LEVEL` says otherwise).
 */
export function defaultLogger(): Logger {
  return (current ??= createLogger());
}

/**
 * Makes `logger` the one Troupe uses when none is passed: the CLI sets it once from
 * `--log-level` and `--log-format`; an application may do the same.
 *
 * @example
 * setDefaultLogger(createLogger({ level: "debug", traceIdOf }));
 */
export function setDefaultLogger(logger: Logger): void {
  current = logger;
}

/** The fields a run's log lines carry. */
export interface RunLogFields {
  runId: string;
  threadId: string;
  team: string;
}

/** A run's logger: every line carries its runId, threadId and team. */
export function runLogger(base: Logger, fields: RunLogFields): Logger {
  return base.child(fields);
}

/** An agent's logger: every line carries `agent`; a request's child adds runId and threadId. */
export function agentLogger(base: Logger, agent: string): Logger {
  return base.child({ agent });
}

/**
 * Logs an error that is caught and not passed on, with why that is safe, at debug (or warn when
 * an operator should hear of it). The only way Troupe ignores an error.
 *
 * @example
 * await lease.release().catch(ignored(log, "an unreleased lease lapses after its TTL"));
 */
export function ignored(logger: Logger, why: string, level: Extract<Level, "debug" | "warn"> = "debug") {
  return (error: unknown): undefined => {
    logIgnored(logger, error, why, level);
    return undefined;
  };
}

/** Logs one ignored error (see `ignored`). */
export function logIgnored(
  logger: Logger,
  error: unknown,
  why: string,
  level: Extract<Level, "debug" | "warn"> = "debug",
): void {
  logger[level]({ err: error, ignored: true }, `ignored error: ${why}`);
}

/** The trace id of the active OpenTelemetry span, if a valid one is active. */
function activeTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context && isSpanContextValid(context) ? context.traceId : undefined;
}
