import { createHash } from "node:crypto";
import { z } from "zod";
import { TroupeError } from "../errors.js";
import { formatZodIssues } from "../zod-format.js";
import type { DocStore, ScopedRecords, StoredDoc } from "../stores/record-store.js";
import {
  ApprovalDecisionSchema,
  ApprovalSchema,
  DeadLetterSchema,
  JournaledStepSchema,
  ModelResponseSchema,
  OutputRecordSchema,
  RecordedAgentResultSchema,
  RunControlDocSchema,
  RunLifecycleDocSchema,
  RunRequestDocSchema,
} from "./record-schemas.js";

/** A record's key paired with the schema of what is stored under it. */
export interface RecordDef<S extends z.ZodType = z.ZodType> {
  readonly key: string;
  readonly schema: S;
}

/** A document kind paired with the schema of its bodies. */
export interface DocKind<S extends z.ZodType = z.ZodType> {
  readonly kind: string;
  readonly schema: S;
}

const record = <S extends z.ZodType>(key: string, schema: S): RecordDef<S> => ({ key, schema });
const docKind = <S extends z.ZodType>(kind: string, schema: S): DocKind<S> => ({ kind, schema });
const sha256 = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex");

/**
 * Every key Troupe records under in a thread's {@link ScopedRecords}, with its schema. The key
 * formats are what existing stores hold: changing one orphans every recorded thread.
 *
 * @example
 * const recorded = await readRecord(records, RecordKeys.tool(idempotencyKey));
 */
export const RecordKeys = {
  /** A model's answer at one step of an agent call. */
  model: (idempotencyKey: string, step: number) => record(`model:${idempotencyKey}:${step}`, ModelResponseSchema),
  /** A tool call's result, by the call's idempotency key (resume, retry, compensation). */
  tool: (idempotencyKey: string) => record(`tool:${idempotencyKey}`, OutputRecordSchema),
  /**
   * A tool call's result by what was asked, whatever the tool-use id (user turn, caller, tool,
   * input): how a live replay answers calls with side effects.
   */
  toolCall: (userTurn: number, caller: string, tool: string, input: unknown) =>
    record(`toolcall:${userTurn}:${sha256([caller, tool, input]).slice(0, 32)}`, OutputRecordSchema),
  /** A person's decision on a call that needed approval. */
  approval: (idempotencyKey: string) => record(`approval:${idempotencyKey}`, ApprovalDecisionSchema),
  /** Marks a saga step as undone, so a retried compensation does not undo twice. */
  compensated: (stepKey: string) => record(`compensated:${stepKey}`, z.boolean()),
  /** A graph code node's result. */
  node: (idempotencyKey: string) => record(`node:${idempotencyKey}`, OutputRecordSchema),
  /** An agent's answer, by what it was asked (user turn, turn, request, `Send` slot): what a replay answers from. */
  agent: (
    userTurn: number,
    turn: number,
    request: { agent: string; task: string; messages: unknown; input?: unknown; offers?: unknown },
    slot: string,
  ) =>
    record(
      `agent:${sha256([userTurn, turn, request.agent, request.task, request.messages, request.input ?? null, request.offers, ...(slot ? [slot] : [])])}`,
      RecordedAgentResultSchema,
    ),
} as const;

/** Keys in a run's checkpointed `scratch` state. */
export const ScratchKeys = {
  /** How often a graph node ran in this user turn. */
  visits: (nodeId: string) => record(`visits:${nodeId}`, z.number().int().nonnegative()),
} as const;

/** Keys in the lease store that are not thread ids. */
export const LeaseKeys = {
  /** Held while an agent's host serves one request, so a duplicate delivery waits for it. */
  request: (idempotencyKey: string) => `request:${idempotencyKey}`,
} as const;

/**
 * Every document kind Troupe keeps in a {@link DocStore}, with its body schema.
 *
 * @example
 * const approval = await readDoc(store.docs, DocKinds.approval, id);
 */
export const DocKinds = {
  approval: docKind("approval", ApprovalSchema),
  deadLetter: docKind("dead_letter", DeadLetterSchema),
  sagaStep: docKind("saga_step", JournaledStepSchema),
  runLifecycle: docKind("run_lifecycle", RunLifecycleDocSchema),
  runControl: docKind("run_control", RunControlDocSchema),
  runRequest: docKind("run_request", RunRequestDocSchema),
} as const;

/** Checks a stored value against its schema; a mismatch is a RECORD_INVALID error naming `what`. */
export function parseStored<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new TroupeError(
    "RECORD_INVALID",
    `${what} does not have the shape Troupe expects (${formatZodIssues(parsed.error)}); it was written by another Troupe version or changed by hand: restore or delete it, or start a new thread`,
    { cause: parsed.error, details: { what } },
  );
}

/**
 * The record under `def.key`, parsed with its schema; undefined when there is none.
 *
 * @example
 * const decision = await readRecord(records, RecordKeys.approval(idempotencyKey));
 */
export async function readRecord<S extends z.ZodType>(
  records: ScopedRecords,
  def: RecordDef<S>,
): Promise<z.output<S> | undefined> {
  const value = await records.get(def.key);
  return value === undefined ? undefined : parseStored(def.schema, value, `record "${def.key}"`);
}

/**
 * Writes the record under `def.key` (awaited: a write that fails fails the caller).
 *
 * @example
 * await writeRecord(records, RecordKeys.tool(idempotencyKey), { output });
 */
export async function writeRecord<S extends z.ZodType>(
  records: ScopedRecords,
  def: RecordDef<S>,
  value: z.input<S>,
): Promise<void> {
  await records.put(def.key, value);
}

/**
 * The document of a kind by id, its body parsed with the kind's schema; undefined when there is none.
 *
 * @example
 * const letter = await readDoc(store.docs, DocKinds.deadLetter, id);
 */
export async function readDoc<S extends z.ZodType>(
  docs: DocStore,
  kind: DocKind<S>,
  id: string,
): Promise<StoredDoc<z.output<S>> | undefined> {
  const doc = await docs.get(kind.kind, id);
  return doc && { ...doc, body: parseStored(kind.schema, doc.body, `${kind.kind} document "${id}"`) };
}

/** The documents of a kind (optionally of one thread), bodies parsed with the kind's schema. */
export async function listDocs<S extends z.ZodType>(
  docs: DocStore,
  kind: DocKind<S>,
  threadId?: string,
): Promise<Array<StoredDoc<z.output<S>>>> {
  return (await docs.list(kind.kind, threadId)).map((doc) => ({
    ...doc,
    body: parseStored(kind.schema, doc.body, `${kind.kind} document "${doc.id}"`),
  }));
}

/** Writes a document of a kind (awaited). */
export async function writeDoc<S extends z.ZodType>(
  docs: DocStore,
  kind: DocKind<S>,
  id: string,
  threadId: string,
  body: z.input<S>,
): Promise<void> {
  await docs.put(kind.kind, id, threadId, body);
}

/** Deletes a document of a kind (awaited). */
export async function deleteDoc(docs: DocStore, kind: DocKind, id: string): Promise<void> {
  await docs.delete(kind.kind, id);
}
