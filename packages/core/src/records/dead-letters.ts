import { randomUUID } from "node:crypto";
import type { ErrorInfo } from "../errors.js";
import type { DeadLetterKind } from "../protocol/events.js";
import type { DocStore } from "../stores/record-store.js";

/** Work that exhausted its retries, kept with its error and input so it can be redriven. */
export interface DeadLetter {
  id: string;
  kind: DeadLetterKind;
  threadId: string;
  runId: string;
  /** The failed agent, or the tool whose compensation failed. */
  subject: string;
  error: ErrorInfo;
  input: unknown;
  status: "open" | "redriven";
  createdAt: string;
}

const KIND = "dead_letter";

/**
 * The dead-letter store: list what failed for good, and mark what was redriven.
 *
 * @example
 * const letters = new DeadLetters(store.docs);
 * for (const letter of await letters.list()) console.log(letter.kind, letter.error.message);
 */
export class DeadLetters {
  constructor(private readonly docs: DocStore) {}

  async add(entry: Omit<DeadLetter, "id" | "status" | "createdAt">): Promise<DeadLetter> {
    const letter: DeadLetter = {
      ...entry,
      id: randomUUID().slice(0, 8),
      status: "open",
      createdAt: new Date().toISOString(),
    };
    await this.docs.put(KIND, letter.id, letter.threadId, letter);
    return letter;
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    return (await this.docs.get(KIND, id))?.body as DeadLetter | undefined;
  }

  async list(options: { status?: DeadLetter["status"]; threadId?: string } = {}): Promise<DeadLetter[]> {
    const all = (await this.docs.list(KIND, options.threadId)).map((d) => d.body as DeadLetter);
    return options.status ? all.filter((l) => l.status === options.status) : all;
  }

  async markRedriven(id: string): Promise<void> {
    const letter = await this.get(id);
    if (letter) await this.docs.put(KIND, id, letter.threadId, { ...letter, status: "redriven" });
  }
}
