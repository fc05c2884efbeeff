/**
 * Per-agent scripts from one run's turns in order: agent `a`'s script is the turns it plays in one
 * run, so a cycling scripted model stays in step run after run.
 * @template T
 * @param {Array<[string, T]>} sequence
 * @returns {Record<string, T[]>}
 */
export function scriptsOf(sequence) {
  const scripts = {};
  for (const [agent, turn] of sequence) (scripts[agent] ??= []).push(turn);
  return scripts;
}

/** The last message's text of a LangGraph messages state. */
export function lastText(state) {
  const content = state.messages.at(-1)?.content;
  return typeof content === "string" ? content : JSON.stringify(content);
}
