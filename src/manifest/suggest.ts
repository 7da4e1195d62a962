// "Did you mean …?" for unknown fields and columns: the nearest known name by edit distance
// (optimal string alignment, so a swapped pair of letters such as `nmae` costs one edit).

/** Edit distance with adjacent transpositions; gives up (returns `limit + 1`) beyond `limit`. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, prev2[j - 2] + 1);
      }
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > limit) return limit + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n];
}

function threshold(word: string): number {
  if (word.length <= 2) return 1;
  if (word.length <= 5) return 2;
  return 3;
}

/**
 * The candidate the user most likely meant, or undefined. Candidates may be dotted paths
 * (`group.name`): a word equal to, or close to, a path's last segment suggests the full path,
 * so `name` in a group manifest suggests `group.name`.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  const limit = threshold(lower);
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    if (c === lower) return candidate;
    const dot = c.lastIndexOf('.');
    let score = editDistance(lower, c, limit);
    if (dot >= 0) {
      const last = c.slice(dot + 1);
      // A bare last segment is a strong hint (the user forgot the prefix); a near one a weaker one.
      const d = last === lower ? 0.25 : editDistance(lower, last, limit) + 0.5;
      if (d < score) score = d;
    }
    if (score <= limit && (score < bestScore || (score === bestScore && best !== undefined && candidate.length < best.length))) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/** `unknown field "nmae" (did you mean "name"?)` */
export function unknownMessage(what: string, word: string, candidates: Iterable<string>): string {
  const guess = didYouMean(word, candidates);
  return guess === undefined ? `unknown ${what} "${word}"` : `unknown ${what} "${word}" (did you mean "${guess}"?)`;
}
