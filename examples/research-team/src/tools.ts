import { fileURLToPath } from "node:url";
import { notesSearch } from "@troupe/agents";

/** The researcher's tool: keyword search over the notes shipped with this example. */
export const searchNotes = notesSearch({ dir: fileURLToPath(new URL("../notes", import.meta.url)) });
