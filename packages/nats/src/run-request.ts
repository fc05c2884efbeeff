import { z } from "zod";

/** A team an orchestrator registered at start (`troupe orchestrator --team <spec>`), as a request names it. */
export const TeamRefSchema = z
  .object({
    name: z.string().min(1),
    /** Omitted: whichever version the orchestrator registered under this name. */
    version: z.string().min(1).optional(),
  })
  .strict();

export type TeamRef = z.infer<typeof TeamRefSchema>;

const RequestBase = {
  /** Stable across redeliveries and redrives: tells an orchestrator whether it already ran this request. */
  requestId: z.string().min(1),
  threadId: z.string().min(1),
  input: z.string(),
  submittedAt: z.string(),
};

/**
 * A run submitted to the queue: the user's message and the thread, and either the team's spec (a
 * validated spec value, with the directory its imports are relative to on the orchestrators'
 * machines) or `team`, the name (and optionally version) of a team the orchestrators registered,
 * so the request carries no spec and no code paths at all. Exactly one of the two.
 */
export const RunRequestSchema = z.union(
  [
    z.object({ ...RequestBase, spec: z.record(z.string(), z.unknown()), baseDir: z.string().min(1) }).strict(),
    z.object({ ...RequestBase, team: TeamRefSchema }).strict(),
  ],
  {
    error:
      "a run request carries requestId, threadId, input, submittedAt and either spec + baseDir (a spec value) or team: { name, version? } (a team the orchestrators registered), not both",
  },
);

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
export const DLQ_HEADERS = {
  reason: "Troupe-Reason",
  code: "Troupe-Error-Code",
  deliveries: "Troupe-Deliveries",
} as const;
