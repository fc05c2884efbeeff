import { randomUUID } from "node:crypto";
import type { DocStore } from "../stores/record-store.js";
import { DocKinds, listDocs, readDoc, writeDoc } from "./record-keys.js";
import type { DeadLetter } from "./record-schemas.js";

export type { DeadLetter } from "./record-schemas.js";

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
    await writeDoc(this.docs, DocKinds.deadLetter, letter.id, letter.threadId, letter);
    return letter;
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    return (await readDoc(this.docs, DocKinds.deadLetter, id))?.body;
  }

  async list(options: { status?: DeadLetter["status"]; threadId?: string } = {}): Promise<DeadLetter[]> {
    const all = (await listDocs(this.docs, DocKinds.deadLetter, options.threadId)).map((d) => d.body);
    return options.status ? all.filter((l) => l.status === options.status) : all;
  }

  async markRedriven(id: string): Promise<void> {
    const letter = await this.get(id);
    if (letter) await writeDoc(this.docs, DocKinds.deadLetter, id, letter.threadId, { ...letter, status: "redriven" });
  }
}
