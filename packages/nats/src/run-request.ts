import { z } from "zod";

/**
 * A run submitted to the queue: the team's spec (a validated spec value, with the directory its
 * imports are relative to on the orchestrators' machines), the user's message and the thread.
 */
export const RunRequestSchema = z.object({
  /** Stable across redeliveries and redrives: tells an orchestrator whether it already ran this request. */
  requestId: z.string().min(1),
  threadId: z.string().min(1),
  input: z.string(),
  spec: z.record(z.string(), z.unknown()),
  baseDir: z.string().min(1),
  submittedAt: z.string(),
});

export type RunRequest = z.infer<typeof RunRequestSchema>;

/** Why a request sits in the dead-letter stream, as its headers say. */
export interface DeadRun {
  /** Sequence in TROUPE_<NS>_DLQ: what `redrive` and `discard` take. */
  seq: number;
  request: RunRequest;
  reason: string;
  code: string;
  deliveries: number;
  at: string;
}

/** Headers a dead-lettered request carries. */
export const DLQ_HEADERS = { reason: "Troupe-Reason", code: "Troupe-Error-Code", deliveries: "Troupe-Deliveries" } as const;
