import { AuthorizationError, PermissionViolationError, UserAuthenticationExpiredError } from "@nats-io/transport-node";
import { toTroupeError, TroupeError, type ErrorCode } from "@troupe/core";

/** What to do when the server refuses: the same advice wherever the refusal surfaces. */
const USE_NAMESPACE_CREDENTIALS =
  "connect with the credentials made for that namespace (troupe nats config writes <ns>.nk; pass it with --nkey <file> or NATS_NKEY)";

/** The permission violation somewhere in an error's cause chain (JetStream wraps the client's errors). */
export function permissionViolationIn(error: unknown): PermissionViolationError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof PermissionViolationError) return e;
  }
  return undefined;
}

/**
 * A TroupeError for a refused NATS operation: which subject was denied, in which namespace, and
 * which credentials to use.
 */
export function permissionError(violation: PermissionViolationError, namespace: string, context: string): TroupeError {
  const what =
    violation.operation === "subscription"
      ? `subscribe to "${violation.subject}"${violation.queue ? ` (queue group "${violation.queue}")` : ""}`
      : `publish to "${violation.subject}"`;
  return new TroupeError(
    "NATS_PERMISSION",
    `${context}: NATS denied these credentials to ${what}; they do not belong to namespace "${namespace}": ${USE_NAMESPACE_CREDENTIALS}`,
    {
      cause: violation,
      details: { operation: violation.operation, subject: violation.subject, namespace },
    },
  );
}

/**
 * Wraps what a NATS call threw: a permission violation becomes NATS_PERMISSION, a refused login
 * NATS_AUTH, anything else `code` with `hint` after the context (kept as it is when already a TroupeError).
 */
export function natsFailure(
  error: unknown,
  namespace: string,
  context: string,
  code: ErrorCode = "INTERNAL",
  hint?: string,
): TroupeError {
  const violation = permissionViolationIn(error);
  if (violation) return permissionError(violation, namespace, context);
  if (error instanceof AuthorizationError || error instanceof UserAuthenticationExpiredError) {
    return new TroupeError(
      "NATS_AUTH",
      `${context}: NATS refused the credentials (${error.message}); ${USE_NAMESPACE_CREDENTIALS}`,
      { cause: error },
    );
  }
  return toTroupeError(error, code, hint ? `${context} (${hint})` : context);
}
