/**
 * Every error code Troupe raises, in one place. A code is stable API: callers switch on it.
 * `retryable` says whether trying the same work again can succeed.
 */
export const ErrorCodes = {
  SPEC_INVALID: { retryable: false },
  SPEC_NOT_FOUND: { retryable: false },
  PATTERN_UNKNOWN: { retryable: false },
  AGENT_UNKNOWN: { retryable: false },
  TOOL_INPUT_INVALID: { retryable: false },
  TOOL_FAILED: { retryable: false },
  TOOL_TIMEOUT: { retryable: true },
  OUTPUT_INVALID: { retryable: false },
  INPUT_INVALID: { retryable: false },
  MAX_STEPS_EXCEEDED: { retryable: false },
  MAX_TURNS_EXCEEDED: { retryable: false },
  BUDGET_EXCEEDED: { retryable: false },
  MODEL_RATE_LIMITED: { retryable: true },
  MODEL_OVERLOADED: { retryable: true },
  MODEL_SERVER_ERROR: { retryable: true },
  MODEL_CONNECTION: { retryable: true },
  MODEL_TIMEOUT: { retryable: true },
  MODEL_BAD_REQUEST: { retryable: false },
  MODEL_AUTH: { retryable: false },
  MODEL_UNKNOWN: { retryable: false },
  AGENT_TIMEOUT: { retryable: true },
  BREAKER_OPEN: { retryable: false },
  TOOL_TRANSIENT: { retryable: true },
  COMPENSATION_FAILED: { retryable: false },
  COMPENSATION_REFUSED: { retryable: false },
  CANCELLED: { retryable: false },
  RUN_TIMEOUT: { retryable: false },
  APPROVAL_REJECTED: { retryable: false },
  DEAD_LETTER_UNKNOWN: { retryable: false },
  RUN_NOT_RESUMABLE: { retryable: false },
  AGENT_UNAVAILABLE: { retryable: true },
  BUS_MESSAGE_INVALID: { retryable: false },
  NATS_AUTH: { retryable: false },
  NATS_PERMISSION: { retryable: false },
  THREAD_UNKNOWN: { retryable: false },
  THREAD_BUSY: { retryable: true },
  THREAD_AWAITING_APPROVAL: { retryable: false },
  THREAD_UNFINISHED: { retryable: false },
  LEASE_LOST: { retryable: true },
  CHECKPOINT_UNKNOWN: { retryable: false },
  REPLAY_MISS: { retryable: false },
  ABORTED: { retryable: false },
  /** `--log-level`, `TROUPE_LOG_LEVEL` or `--log-format` names no level or format. */
  LOG_SETTING_INVALID: { retryable: false },
  /** The store's file or URL cannot hold a Troupe store: special file, directory, not SQLite, foreign, corrupt, bad URL. */
  STORE_INVALID: { retryable: false },
  /** A stored record or document does not match its schema (written by another version, or changed by hand). */
  RECORD_INVALID: { retryable: false },
  /** This user may not read or write the store (file or directory permissions, database role). */
  STORE_PERMISSION: { retryable: false },
  /** The store is there but cannot be used now: locked, disk full, I/O error, PostgreSQL unreachable. */
  STORE_UNAVAILABLE: { retryable: true },
  /** A spec's `imports:` names a module outside the directories allowed to load code. */
  IMPORT_NOT_ALLOWED: { retryable: false },
  /** A run request names a team (or version) the orchestrator that took it has not registered. */
  TEAM_UNKNOWN: { retryable: false },
  INTERNAL: { retryable: false },
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** Plain-data form of a TroupeError, safe to put in state, on a bus or in JSON output. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  details?: Record<string, unknown>;
}

/** The error with where it happened added to its details (e.g. `{ node, agent }`), keeping what they held. */
export function errorAt(info: ErrorInfo, where: Record<string, string>): ErrorInfo {
  return { ...info, details: { ...info.details, ...where } };
}

/**
 * The one error type Troupe throws. `code` comes from {@link ErrorCodes}; `cause` keeps the
 * original error; the message says what went wrong and what to do about it.
 *
 * @example
 * try { await team.run("hi") } catch (e) {
 *   if (e instanceof TroupeError && e.code === "MAX_TURNS_EXCEEDED") console.log(e.details);
 * }
 */
export class TroupeError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TroupeError";
    this.code = code;
    this.retryable = ErrorCodes[code].retryable;
    this.details = options.details;
  }

  toInfo(): ErrorInfo {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.details ? { details: this.details } : {}),
    };
  }

  static fromInfo(info: ErrorInfo): TroupeError {
    return new TroupeError(
      info.code in ErrorCodes ? info.code : "INTERNAL",
      info.message,
      info.details ? { details: info.details } : {},
    );
  }
}

/** True for a TroupeError, optionally of one code. */
export function isTroupeError(error: unknown, code?: ErrorCode): error is TroupeError {
  return error instanceof TroupeError && (code === undefined || error.code === code);
}

/** Wraps anything thrown at an edge into a TroupeError, keeping TroupeErrors as they are. */
export function toTroupeError(error: unknown, code: ErrorCode = "INTERNAL", context?: string): TroupeError {
  if (error instanceof TroupeError) return error;
  if (isAbortError(error))
    return new TroupeError("ABORTED", context ? `${context}: aborted` : "aborted", { cause: error });
  const text = error instanceof Error ? error.message : String(error);
  return new TroupeError(code, context ? `${context}: ${text}` : text, { cause: error });
}

/** True when an error means the run was stopped (aborted, cancelled, out of time), not that the work failed. */
export function isRunStop(error: unknown): boolean {
  if (isAbortError(error)) return true;
  const code = error instanceof TroupeError ? error.code : undefined;
  return code === "ABORTED" || code === "CANCELLED" || code === "RUN_TIMEOUT";
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || (error as { code?: unknown }).code === "ABORT_ERR");
}
