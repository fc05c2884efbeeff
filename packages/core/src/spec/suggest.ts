/**
 * The closest candidate to `word` when it is close enough to be a likely typo: at most one edit
 * per three characters (at least one), where swapping two neighbouring letters counts as one
 * edit and case is ignored. Far-off names get no suggestion rather than a misleading one.
 *
 * @example
 * suggest("supervisr", ["supervisor", "swarm"]); // "supervisor"
 * suggest("xyz", ["supervisor", "swarm"]); // undefined
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const typed = word.toLowerCase();
  const allowed = Math.max(1, Math.floor(typed.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(typed, candidate.toLowerCase());
    // an edit count as large as either word means nothing of the word survived
    if (d < bestDistance && d <= allowed && d < typed.length && d < candidate.length) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * ` (did you mean "x"?)` when a candidate is close to `word`, else an empty string; made to be
 * appended to an "unknown ..." message.
 *
 * @example
 * `unknown tool "serch_notes"${didYouMean("serch_notes", ["search_notes"])}`;
 * // 'unknown tool "serch_notes" (did you mean "search_notes"?)'
 */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const hit = suggest(word, candidates);
  return hit ? ` (did you mean "${hit}"?)` : "";
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function distance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      current.push(d);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}
