// CSV cell syntax, one parser per leaf kind of fields.ts. A parser returns the typed value,
// or FAIL with the reason left in `cellError.message` (no allocation on the happy path).
// String fields keep their text verbatim, even when it looks like a number or JSON.
import type { FieldInfo } from './fields.js';
import { type ManifestLimits, limitHint } from './limits.js';

export const FAIL: unique symbol = Symbol('cell parse failure');
export const cellError = { message: '' };

export type CellParser = (text: string) => unknown;

const INT = /^[+-]?\d+$/;
const NUM = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEANS: Record<string, boolean> = { true: true, false: false, yes: true, no: false, '1': true, '0': false };

/** The item separator inside list cells. */
export const LIST_SEPARATOR = ';';

function preview(text: string): string {
  const t = text.length > 30 ? `${text.slice(0, 30)}…` : text;
  return JSON.stringify(t);
}

function fail(message: string): typeof FAIL {
  cellError.message = message;
  return FAIL;
}

function plainDigits(text: string): boolean {
  const n = text.length;
  if (n === 0 || n > 15) return false; // 15 digits: always a safe integer
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function parseInteger(text: string): number | typeof FAIL {
  if (plainDigits(text)) return Number(text); // the common cell, without trim and regex
  const t = text.trim();
  if (!INT.test(t)) return fail(`expected an integer, got ${preview(text)}`);
  const n = Number(t);
  if (!Number.isSafeInteger(n)) return fail(`integer ${preview(t)} is too large`);
  return n;
}

function parseNumber(text: string): number | typeof FAIL {
  const t = text.trim();
  if (!NUM.test(t)) return fail(`expected a number, got ${preview(text)}`);
  return Number(t);
}

function parseBoolean(text: string): boolean | typeof FAIL {
  if (text === 'true') return true;
  if (text === 'false') return false;
  const t = text.trim().toLowerCase();
  const b = Object.hasOwn(BOOLEANS, t) ? BOOLEANS[t] : undefined; // `constructor` is not a boolean
  if (b === undefined) return fail(`expected true/false, yes/no or 1/0, got ${preview(text)}`);
  return b;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 160 || code === 0xfeff;
}

/** `;`-separated items, trimmed; empty items (`1;;2`, a trailing `;`) are skipped. A hot path: no regex, no split. */
function splitItems(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  const n = text.length;
  while (start <= n) {
    let end = text.indexOf(LIST_SEPARATOR, start);
    if (end < 0) end = n;
    let a = start;
    let b = end;
    while (a < b && isSpace(text.charCodeAt(a))) a++;
    while (b > a && isSpace(text.charCodeAt(b - 1))) b--;
    if (b > a) out.push(a === 0 && b === n ? text : text.slice(a, b));
    start = end + 1;
  }
  return out;
}

function depthOf(value: unknown, max: number, depth = 0): number {
  if (depth > max || value === null || typeof value !== 'object') return depth;
  let deepest = depth + 1;
  for (const v of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(v, max, depth + 1));
    if (deepest > max) break;
  }
  return deepest;
}

export interface ShapeIssue {
  /** Where in the value (empty: the value as a whole). */
  path: PropertyKey[];
  message: string;
}

/**
 * Depth, list-length and text-length bounds for a value of unknown origin (a JSON cell, a YAML
 * entry), with the path of the first value over a limit. Depth is checked first and over the
 * whole value: a recursive YAML alias makes a circular value, which only the depth bound stops.
 */
export function shapeIssue(value: unknown, limits: ManifestLimits): ShapeIssue | undefined {
  if (depthOf(value, limits.maxDepth) > limits.maxDepth) {
    return { path: [], message: `nested more than ${limits.maxDepth} levels deep ${limitHint('maxDepth')}` };
  }
  const stack: [unknown, PropertyKey[]][] = [[value, []]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      // CSV cells are bounded as they are read; YAML text (and JSON inside a cell) is bounded here.
      if (v.length > limits.maxCellBytes) {
        return { path, message: `text of ${v.length} characters is longer than the limit of ${limits.maxCellBytes} ${limitHint('maxCellBytes')}` };
      }
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      if (v.length > limits.maxListLength) return { path, message: listTooLong(v.length, limits) };
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], [...path, i]]);
    } else {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) stack.push([(v as Record<string, unknown>)[keys[i]], [...path, keys[i]]]);
    }
  }
  return undefined;
}

/** shapeIssue's message only, for callers that locate the whole value. */
export function shapeProblem(value: unknown, limits: ManifestLimits): string | undefined {
  return shapeIssue(value, limits)?.message;
}

function listTooLong(length: number, limits: ManifestLimits): string {
  return `a list of ${length} items is longer than the limit of ${limits.maxListLength} ${limitHint('maxListLength')}`;
}

function parseJson(text: string, limits: ManifestLimits): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // V8 quotes the text it could not parse; a cell may hold phone numbers, so that part goes.
    return fail(`invalid JSON: ${(err as Error).message.replace(/,\s*".*"(?:\.\.\.)? is not valid JSON$/s, '')}`);
  }
  const problem = shapeProblem(value, limits);
  return problem === undefined ? value : fail(problem);
}

/** A cell written as JSON (`[…]`, `{…}`) rather than in the cell syntax. */
export function isJson(text: string): boolean {
  const t = text.trimStart();
  return t.startsWith('[') || t.startsWith('{');
}

function listOf<T>(limits: ManifestLimits, item: (text: string, index: number) => T | typeof FAIL): CellParser {
  return (text) => {
    if (isJson(text)) return parseJson(text, limits);
    const items = splitItems(text);
    if (items.length > limits.maxListLength) {
      return fail(listTooLong(items.length, limits));
    }
    const out: T[] = new Array<T>(items.length);
    for (let i = 0; i < items.length; i++) {
      const v = item(items[i], i);
      if (v === FAIL) {
        cellError.message = `item ${i + 1}: ${cellError.message}`;
        return FAIL;
      }
      out[i] = v;
    }
    return out;
  };
}

/** How a member tag list reads in messages: `phone:<…> or user:<…>`. */
function tagHint(tags: ReadonlyMap<string, string>): string {
  const shortest = new Map<string, string>();
  for (const [tag, key] of tags) {
    const cur = shortest.get(key);
    if (cur === undefined || tag.length < cur.length) shortest.set(key, tag);
  }
  return [...shortest.values()].map((t) => `${t}:<…>`).join(' or ');
}

/** The cell syntax of one field, described for messages and the README. */
export function cellSyntax(field: FieldInfo): string {
  switch (field.kind) {
    case 'string':
      return 'text';
    case 'integer':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true/false (yes/no, 1/0)';
    case 'list-of-int':
      return 'integers separated by ";" (1;2)';
    case 'list-of-string':
      return 'texts separated by ";" (a;b)';
    case 'actions':
      return `${field.keys![0]}:${field.keys![1]} pairs separated by ";" (3:5;5:9)`;
    case 'users':
      return `${field.keys![0]} values separated by ";"`;
    case 'members':
      return `${tagHint(field.tags!)} items separated by ";"`;
    case 'object':
      return 'JSON';
  }
}

export function cellParser(field: FieldInfo, limits: ManifestLimits): CellParser {
  switch (field.kind) {
    case 'string':
      return (text) => text;
    case 'integer':
      return parseInteger;
    case 'number':
      return parseNumber;
    case 'boolean':
      return parseBoolean;
    case 'list-of-int':
      return listOf(limits, parseInteger);
    case 'list-of-string':
      return listOf(limits, (item) => item);
    case 'actions': {
      const [a, b] = field.keys!;
      return listOf(limits, (item) => {
        const colon = item.indexOf(':');
        if (colon < 0) return fail(`expected ${a}:${b} (like 3:5), got ${preview(item)}`);
        const x = parseInteger(item.slice(0, colon));
        if (x === FAIL) return fail(`${a}: ${cellError.message}`);
        const y = parseInteger(item.slice(colon + 1));
        if (y === FAIL) return fail(`${b}: ${cellError.message}`);
        return { [a]: x, [b]: y };
      });
    }
    case 'users': {
      const [key] = field.keys!;
      return listOf(limits, (item) => ({ [key]: item }));
    }
    case 'members': {
      const tags = field.tags!;
      const hint = tagHint(tags);
      const tagList = [...tags.keys()];
      return listOf(limits, (item) => {
        const colon = item.indexOf(':');
        if (colon < 0) return fail(`expected ${hint}`);
        let key: string | undefined;
        // Exact-case tags are the common case: no allocation to find them.
        for (const tag of tagList) {
          if (tag.length === colon && item.startsWith(tag)) {
            key = tags.get(tag);
            break;
          }
        }
        key ??= tags.get(item.slice(0, colon).trim().toLowerCase());
        // The value is not echoed: it is a phone number or a user id.
        if (key === undefined) return fail(`expected ${hint}`);
        let value = item.slice(colon + 1);
        if (value.length > 0 && (isSpace(value.charCodeAt(0)) || isSpace(value.charCodeAt(value.length - 1)))) value = value.trim();
        if (value === '') return fail(`${item.slice(0, colon + 1)} needs a value`);
        return { [key]: value };
      });
    }
    case 'object':
      return (text) =>
        isJson(text)
          ? parseJson(text, limits)
          : fail(`"${field.name}" takes the JSON of the whole object, or use its dotted columns (${field.name}.…)`);
  }
}
