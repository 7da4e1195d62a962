// A copy of a string that keeps nothing else alive. V8 makes a substring of 13 characters or
// more a view into its parent, so a handle cut from a 1 MB chunk of a CSV file (or from a YAML
// file's text) keeps that whole chunk in memory for as long as the handle lives. The loader and
// the plan keep a few strings per row for a whole run (handles, group keys, ids): a million
// rows with long handles kept the whole file's text alive, 100–170 MB more.

/** V8's shortest substring that is a view (`SlicedString::kMinLength`); shorter ones are copies. */
const VIEW_MIN_LENGTH = 13;

export function detach(s: string): string {
  if (s.length < VIEW_MIN_LENGTH) return s;
  // Two pieces joined make a new string; reading it once flattens it into one fresh copy, and
  // the pieces (views of the parent) are let go.
  const copy = s.slice(0, 1) + s.slice(1);
  copy.charCodeAt(0);
  return copy;
}
