// YAML text → a parsed document, safely: the core schema only, no custom tags, unique keys,
// one document per file. The yaml package reports problems in the document, not by throwing.
import { type Document, LineCounter, parseDocument } from 'yaml';

export interface Place {
  line: number;
  column: number;
}

export interface ParsedYaml {
  doc: Document.Parsed;
  lines: LineCounter;
}

const OPTIONS = {
  uniqueKeys: true,
  prettyErrors: false,
  schema: 'core',
  // Not even the YAML 1.1 extras (!!binary, !!set, !!timestamp…): tags other than the core
  // ones stay unresolved, and an unresolved tag is refused (syntax.ts).
  resolveKnownTags: false,
  merge: false,
  strict: true,
  version: '1.2',
  // Not 'silent': it also drops the MULTIPLE_DOCS error, and a second `---` document would
  // be ignored without a word. 'error' keeps errors in doc.errors and prints nothing.
  logLevel: 'error',
} as const;

/** The parsed document, or why the parser gave up (a RangeError: pathological nesting). */
export function parseText(text: string): ParsedYaml | { error: string } {
  const lines = new LineCounter();
  try {
    return { doc: parseDocument(text, { ...OPTIONS, lineCounter: lines }), lines };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

export function placeOf(lines: LineCounter, offset: number): Place {
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}
