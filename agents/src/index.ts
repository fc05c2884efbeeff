export { notesSearch, type NoteHit } from "./notes-search.js";
export { planner, researcher, writer, critic, triage, type ReadyAgentOptions } from "./ready-agents.js";
