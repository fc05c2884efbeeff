import { createActor } from "xstate";
import { formatZodIssues } from "../zod-format.js";
import { TroupeError } from "../errors.js";
import { DocKinds, deleteDoc, writeDoc } from "../records/record-keys.js";
import { RunControlDocSchema, RunLifecycleDocSchema, type RunLifecycleDoc } from "../records/record-schemas.js";
import type { DocStore } from "../stores/record-store.js";
import { RunStateSchema, type RunState } from "../protocol/team-state.js";
import { type RunMachine, type RunMachineActor, type RunMachineSnapshot, type TurnInput } from "./run-machine.js";

type LifecycleDoc = RunLifecycleDoc;

/** Where a thread's latest run stands, as the lifecycle document says. */
export interface RunStatusInfo {
  threadId: string;
  runId: string;
  state: RunState;
  updatedAt: string;
}

/** A thread's run machine, with its transitions written to the store in order. */
export interface RunLifecycle {
  actor: RunMachineActor;
  /** Resolves once every transition so far is stored; rejects with the first write that failed. */
  flush(): Promise<void>;
}

/**
 * Starts the run machine of a thread: fresh, or restored from the stored lifecycle document. With
 * `persist`, every transition is written to the store, one write after another; `flush` awaits them.
 */
export async function openRunLifecycle(
  docs: DocStore,
  threadId: string,
  machine: RunMachine,
  options: { restore: boolean; persist: boolean },
): Promise<RunLifecycle> {
  const stored = options.restore ? await readLifecycleDoc(docs, threadId) : undefined;
  const actor = createActor(machine, stored ? { snapshot: restoredSnapshot(machine, stored) } : {});
  const transitionKey = (snapshot: RunMachineSnapshot) => JSON.stringify([snapshot.value, snapshot.context]);
  let written = transitionKey(actor.getSnapshot());
  let writes: Promise<void> = Promise.resolve();
  let failure: unknown;
  if (options.persist) {
    actor.subscribe((snapshot) => {
      const key = transitionKey(snapshot);
      if (key === written) return;
      written = key;
      const body: LifecycleDoc = {
        snapshot: actor.getPersistedSnapshot() as NonNullable<LifecycleDoc["snapshot"]>,
        state: snapshot.value as RunState,
        runId: snapshot.context.runId,
      };
      writes = writes
        .then(() => writeDoc(docs, DocKinds.runLifecycle, threadId, threadId, body))
        .catch((error: unknown) => {
          failure ??= error;
        });
    });
  }
  actor.start();
  return {
    actor,
    async flush() {
      await writes;
      if (failure !== undefined) throw failure;
    },
  };
}

async function readLifecycleDoc(docs: DocStore, threadId: string): Promise<LifecycleDoc | undefined> {
  const doc = await docs.get(DocKinds.runLifecycle.kind, threadId);
  return doc ? parseLifecycleDoc(threadId, doc.body) : undefined;
}

function parseLifecycleDoc(threadId: string, body: unknown): LifecycleDoc {
  const parsed = RunLifecycleDocSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new TroupeError(
    "STORE_INVALID",
    `the run lifecycle of thread "${threadId}" in the store is not readable (${formatZodIssues(parsed.error)}); ` +
      `cancel the thread or start another one`,
  );
}

/** The machine snapshot a stored document stands for, from any version of the document. */
function restoredSnapshot(machine: RunMachine, doc: LifecycleDoc): RunMachineSnapshot {
  const value = typeof doc.snapshot?.value === "string" ? doc.snapshot.value : doc.state;
  const context = doc.snapshot?.context ?? {};
  return machine.resolveState({
    value: RunStateSchema.catch("created").parse(value),
    context: {
      runId: context.runId ?? doc.runId ?? "",
      outcome: context.outcome ?? "failed",
      turn: context.turn ?? null,
      stop: context.stop ?? null,
      error: context.error ?? null,
      fault: context.fault ?? null,
    },
  });
}

/**
 * The user turn the thread's last run was started with, from its persisted lifecycle: a turn that
 * died before its first checkpoint is known only here, and the next turn must not reuse its number.
 */
export async function lastStartedTurn(docs: DocStore, threadId: string): Promise<TurnInput | null> {
  return (await readLifecycleDoc(docs, threadId))?.snapshot?.context?.turn ?? null;
}

/**
 * Where the thread's latest run stands, from its lifecycle document (without looking at its lease:
 * threadStatus does that).
 *
 * @example
 * const status = await readRunStatus(store.docs, "t-1");
 * if (status?.state === "paused") await team.resume("t-1");
 */
export async function readRunStatus(docs: DocStore, threadId: string): Promise<RunStatusInfo | undefined> {
  const doc = await docs.get(DocKinds.runLifecycle.kind, threadId);
  if (!doc) return undefined;
  const body = parseLifecycleDoc(threadId, doc.body);
  return { threadId, runId: body.runId, state: body.state, updatedAt: doc.updatedAt };
}

/** Cross-process control requests (pause, cancel) a running process picks up at its next check. */
export async function requestControl(docs: DocStore, threadId: string, action: "pause" | "cancel"): Promise<void> {
  await writeDoc(docs, DocKinds.runControl, threadId, threadId, { action });
}

export async function takeControl(docs: DocStore, threadId: string): Promise<"pause" | "cancel" | undefined> {
  const doc = await docs.get(DocKinds.runControl.kind, threadId);
  if (!doc) return undefined;
  await deleteDoc(docs, DocKinds.runControl, threadId);
  // a request that is not readable asks for nothing
  return RunControlDocSchema.safeParse(doc.body).data?.action;
}
