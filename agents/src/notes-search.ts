import { readdirSync, readFileSync } from "node:fs";
import { basename, extname, join, relative } from "node:path";
import { z } from "zod";
import { defineTool, type Tool } from "@troupe/core";

export interface NoteHit {
  title: string;
  snippet: string;
  source: string;
  score: number;
}

interface Note {
  title: string;
  body: string;
  source: string;
  words: Set<string>;
}

const SearchInput = z.object({
  query: z.string().min(1).describe("Words to look for"),
  limit: z.int().min(1).max(10).optional().describe("Most notes to return (default 3)"),
});

/**
 * A tool that searches a folder of Markdown or text notes by keyword overlap, returning the best
 * notes with a snippet and their file as source. Files are read once, when the tool is made.
 *
 * @example
 * const searchNotes = notesSearch({ dir: new URL("./notes", import.meta.url).pathname });
 */
export function notesSearch(options: {
  dir: string;
  name?: string;
  description?: string;
}): Tool<typeof SearchInput, NoteHit[]> {
  const notes = readNotes(options.dir);
  return defineTool({
    name: options.name ?? "search_notes",
    description:
      options.description ?? "Search the team's notes; returns the best matching notes with a snippet and source file",
    input: SearchInput,
    idempotent: true,
    run: ({ query, limit }) => search(notes, query, limit ?? 3),
  });
}

function readNotes(dir: string): Note[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => [".md", ".txt"].includes(extname(file)))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), "utf8");
      const heading = /^#\s+(.+)$/m.exec(text)?.[1]?.trim();
      const body = text.replace(/^#\s+.+$/m, "").trim();
      return {
        title: heading ?? basename(file, extname(file)),
        body,
        source: relative(dir, join(dir, file)),
        words: new Set(words(text)),
      };
    });
}

function search(notes: Note[], query: string, limit: number): NoteHit[] {
  const terms = [...new Set(words(query))];
  return notes
    .map((note) => ({
      note,
      score: terms.filter((t) => note.words.has(t)).length + (terms.some((t) => words(note.title).includes(t)) ? 1 : 0),
    }))
    .filter((hit) => hit.score > 0)
    .sort((a, b) => b.score - a.score || a.note.source.localeCompare(b.note.source))
    .slice(0, limit)
    .map(({ note, score }) => ({ title: note.title, snippet: snippet(note.body, terms), source: note.source, score }));
}

/** Up to three sentences that mention a query term, in note order. */
function snippet(body: string, terms: string[]): string {
  const sentences = body
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.replace(/\s+/g, " ").trim())
    .filter(Boolean);
  const hits = sentences.filter((s) => words(s).some((w) => terms.includes(w))).slice(0, 3);
  const text = (hits.length ? hits : sentences.slice(0, 1)).join(" ");
  return text.length > 480 ? `${text.slice(0, 477)}...` : text;
}

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 2)
    .map((w) => w.replace(/(ing|es|s)$/, ""));
}
