// Parses an answer body as JSON without losing an id's digits: an integer a JS number cannot hold
// exactly (beyond 2^53, as 64-bit ids are) is kept as the text of its digits, exactly as sent.
// Node 20's JSON.parse has no access to a number's source text (a reviver's `context` is Node 22+).

/** A run of 16 digits: only such a number can be beyond 2^53 (9007199254740992 has 16). */
const LONG_DIGITS = /\d{16}/;

/** The body's value; throws (a SyntaxError) when it is not JSON. */
export function parseAnswerJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  // Nearly every answer: nothing that long, nothing to keep.
  if (!LONG_DIGITS.test(text)) return value;
  const kept = quoteUnsafeIntegers(text);
  return kept === text ? value : JSON.parse(kept);
}

/**
 * `text` (valid JSON) with every integer literal outside the safe range written as a string of
 * the same digits. Strings are skipped whole (escapes included), so digits inside them are left alone.
 */
export function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let copied = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: to its closing quote, stepping over escapes.
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
      i++;
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      // A number: outside strings, in valid JSON, nothing else starts with - or a digit.
      const start = i;
      let integer = true;
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d >= 0x30 && d <= 0x39) continue;
        if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) integer = false;
        else break;
      }
      if (integer && !Number.isSafeInteger(Number(text.slice(start, i)))) {
        out += `${text.slice(copied, start)}"${text.slice(start, i)}"`;
        copied = i;
      }
      continue;
    }
    i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
}
