// YAML text → checked plain data, safely: the core schema only, no custom tags, unique keys, one
// document per file; parser errors as findings (a too-deep nesting named where it passes the bound,
// found by the yaml package's own lexer); alias expansion bounded (the "billion laughs" bomb).
import { CST, Lexer, type Document, LineCounter, parseDocument, visit, type YAMLError, type YAMLWarning } from 'yaml';

import type { ManifestFault } from '../../errors.js';
import { faultAt } from '../check/fault.js';
import { type ManifestLimits, limitHint } from '../limits.js';

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
  // ones stay unresolved, and an unresolved tag is refused (syntaxFindings, below).
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

// The lexer's markers are not source text (a BOM is: it stays counted).
const CONTROL = new Set([CST.DOCUMENT, CST.FLOW_END, CST.SCALAR]);

/** The offset of the first flow opener at depth `bound + 1`, or undefined when none is that deep. */
export function flowDeeperThan(text: string, bound: number): number | undefined {
  let depth = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      depth += 1;
      if (depth > bound) return offset;
    } else if (token === ']' || token === '}') depth = Math.max(0, depth - 1);
    if (!CONTROL.has(token)) offset += token.length;
  }
  return undefined;
}

/** YAML syntax errors listed per file before the rest are summarised. */
const MAX_SYNTAX_FAULTS = 20;

interface Problem {
  where: Place;
  message: string;
}

function errorMessage(e: YAMLError): string {
  if (e.code === 'RESOURCE_EXHAUSTION') return 'nested too deeply to parse';
  if (e.code === 'MULTIPLE_DOCS') return 'a second YAML document (after ---): a manifest file holds one document; put the rest in another file';
  return e.message.split('\n')[0];
}

function errorProblems({ doc, lines }: ParsedYaml, text: string, maxDepth: number): Problem[] {
  // A stack overflow in the parser repeats once per nesting level: say it once.
  let exhausted = false;
  const out: Problem[] = [];
  for (const e of doc.errors) {
    if (e.code === 'RESOURCE_EXHAUSTION') {
      if (exhausted) continue;
      exhausted = true;
      // Named where the nesting passes the depth limit: the same place whatever the stack.
      out.push({ where: placeOf(lines, flowDeeperThan(text, maxDepth) ?? e.pos[0]), message: errorMessage(e) });
      continue;
    }
    out.push({ where: placeOf(lines, e.pos[0]), message: errorMessage(e) });
  }
  return out;
}

/** Core schema only: an explicit tag (`!!js/function`, `!!binary`, `!foo`) is refused, never run. */
function tagProblem(w: YAMLWarning, text: string, where: Place): Problem {
  const tag = text.slice(w.pos[0], w.pos[1]).trim() || 'tag';
  return { where, message: `unsupported tag ${tag}: manifests are plain YAML (no tags)` };
}

/** Faults (capped) and warnings of a parsed file; no faults means the document can be read. */
export function syntaxFindings(file: string, text: string, parsed: ParsedYaml, maxDepth: number): { faults: ManifestFault[]; warnings: ManifestFault[] } {
  const problems = errorProblems(parsed, text, maxDepth);
  const warnings: ManifestFault[] = [];
  for (const w of parsed.doc.warnings) {
    const where = placeOf(parsed.lines, w.pos[0]);
    if (w.code === 'TAG_RESOLVE_FAILED') problems.push(tagProblem(w, text, where));
    else warnings.push(faultAt(file, where, 'yaml', w.message.split('\n')[0]));
  }
  const faults = problems.slice(0, MAX_SYNTAX_FAULTS).map((p) => faultAt(file, p.where, 'yaml', p.message));
  if (problems.length > MAX_SYNTAX_FAULTS) {
    faults.push(faultAt(file, { line: 1 }, 'yaml', `… and ${problems.length - MAX_SYNTAX_FAULTS} more YAML errors in this file`));
  }
  return { faults, warnings };
}

/** The document's data, or the one fault that says why it cannot be read. */
export function toData(file: string, parsed: ParsedYaml, limits: ManifestLimits): { data: unknown } | { fault: ManifestFault } {
  try {
    return { data: parsed.doc.toJS({ maxAliasCount: limits.maxAliasCount }) };
  } catch (err) {
    if (err instanceof ReferenceError) return { fault: aliasFault(file, parsed, limits) };
    if (err instanceof RangeError) return { fault: faultAt(file, { line: 1 }, 'yaml', 'nested too deeply') };
    return { fault: faultAt(file, { line: 1 }, 'yaml', `cannot read the document: ${(err as Error).message}`) };
  }
}

/** toJS refused an alias: one without an anchor before it, else too many uses of one. */
function aliasFault(file: string, { doc, lines }: ParsedYaml, limits: ManifestLimits): ManifestFault {
  let first: Place | undefined;
  let unresolved: { where: Place; source: string } | undefined;
  visit(doc, {
    Alias(_, node) {
      const here = node.range ? placeOf(lines, node.range[0]) : { line: 1, column: 1 };
      first ??= here;
      if (!unresolved && !node.resolve(doc)) unresolved = { where: here, source: node.source };
    },
  });
  if (unresolved) return faultAt(file, unresolved.where, 'yaml', `alias *${unresolved.source} has no anchor &${unresolved.source} before it`);
  return faultAt(file, first ?? { line: 1 }, 'yaml', `aliases expand too much (more than ${limits.maxAliasCount} uses: an alias bomb?) ${limitHint('maxAliasCount')}`);
}
