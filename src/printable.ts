// Text from manifests and servers, made safe to print on a terminal or in a log line.
//
// Control, line-break and bidi-override characters are shown escaped: raw, a key or a server
// message could forge lines in a fault list or summary, or hide text ("\rerror: …", ANSI
// escapes, U+202E).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

export function hasUnsafe(text: string): boolean {
  return UNSAFE.test(text);
}

export function printable(text: string): string {
  if (!UNSAFE.test(text)) return text;
  return text.replace(UNSAFE_ALL, (ch) => {
    const n = ch.charCodeAt(0);
    return n === 10 ? '\\n' : n === 13 ? '\\r' : n === 9 ? '\\t' : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}
