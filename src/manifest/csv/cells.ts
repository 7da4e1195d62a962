// CSV cell syntax, one parser per leaf kind of fields.ts: how a cell's text becomes an integer,
// a boolean, a `;` list, action pairs or members. A parser returns the value, or a CellFault
// with the reason (a value, never thrown). String fields keep their text verbatim.
import type { FieldInfo } from '../fields.js';
import type { ManifestLimits } from '../limits.js';
import { listTooLong, shapeIssue } from '../shape.js';

/** Why a cell's text is not a value of its field. */
export class CellFault {
  constructor(readonly message: string) {}
}

export type CellParser = (text: string) => unknown;

/** The item separator inside list cells. */
export const LIST_SEPARATOR = ';';

const INT = /^[+-]?\d+$/;
const NUM = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEANS: Record<string, boolean> = { true: true, false: false, yes: true, no: false, '1': true, '0': false };

function preview(text: string): string {
  const t = text.length > 30 ? `${text.slice(0, 30)}…` : text;
  return JSON.stringify(t);
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

function parseInteger(text: string): number | CellFault {
  if (plainDigits(text)) return Number(text); // the common cell, without trim and regex
  const t = text.trim();
  if (!INT.test(t)) return new CellFault(`expected an integer, got ${preview(text)}`);
  const n = Number(t);
  if (!Number.isSafeInteger(n)) return new CellFault(`integer ${preview(t)} is too large`);
  return n;
}

function parseNumber(text: string): number | CellFault {
  const t = text.trim();
  if (!NUM.test(t)) return new CellFault(`expected a number, got ${preview(text)}`);
  return Number(t);
}

function parseBoolean(text: string): boolean | CellFault {
  if (text === 'true') return true;
  if (text === 'false') return false;
  const t = text.trim().toLowerCase();
  const b = Object.hasOwn(BOOLEANS, t) ? BOOLEANS[t] : undefined; // `constructor` is not a boolean
  if (b === undefined) return new CellFault(`expected true/false, yes/no or 1/0, got ${preview(text)}`);
  return b;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 160 || code === 0xfeff;
}

/** `;`-separated items, trimmed; empty items (`1;;2`, a trailing `;`) are skipped. A hot path: no regex. */
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

function parseJson(text: string, limits: ManifestLimits): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // V8 quotes the text it could not parse; a cell may hold phone numbers, so that part goes.
    return new CellFault(`invalid JSON: ${(err as Error).message.replace(/,\s*".*"(?:\.\.\.)? is not valid JSON$/s, '')}`);
  }
  const issue = shapeIssue(value, limits);
  return issue === undefined ? value : new CellFault(issue.message);
}

/** A cell written as JSON (`[…]`, `{…}`) rather than in the cell syntax. */
export function isJson(text: string): boolean {
  const t = text.trimStart();
  return t.startsWith('[') || t.startsWith('{');
}

function listOf<T>(limits: ManifestLimits, item: (text: string) => T | CellFault): CellParser {
  return (text) => {
    if (isJson(text)) return parseJson(text, limits);
    const items = splitItems(text);
    if (items.length > limits.maxListLength) return new CellFault(listTooLong(items.length, limits));
    const out: T[] = new Array<T>(items.length);
    for (let i = 0; i < items.length; i++) {
      const v = item(items[i]);
      if (v instanceof CellFault) return new CellFault(`item ${i + 1}: ${v.message}`);
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

/** `3:5`: the two integer keys of an action pair, in cell order. */
function actionItem([a, b]: readonly string[]): (item: string) => Record<string, number> | CellFault {
  return (item) => {
    const colon = item.indexOf(':');
    if (colon < 0) return new CellFault(`expected ${a}:${b} (like 3:5), got ${preview(item)}`);
    const x = parseInteger(item.slice(0, colon));
    if (x instanceof CellFault) return new CellFault(`${a}: ${x.message}`);
    const y = parseInteger(item.slice(colon + 1));
    if (y instanceof CellFault) return new CellFault(`${b}: ${y.message}`);
    return { [a]: x, [b]: y };
  };
}

/** `phone:+1…` or `user:u1`: one tagged member; the value is never echoed (a phone number). */
function memberItem(tags: ReadonlyMap<string, string>): (item: string) => Record<string, string> | CellFault {
  const hint = tagHint(tags);
  const tagList = [...tags.keys()];
  return (item) => {
    const colon = item.indexOf(':');
    if (colon < 0) return new CellFault(`expected ${hint}`);
    // Exact-case tags are the common case: no allocation to find them.
    let key = tagList.find((tag) => tag.length === colon && item.startsWith(tag));
    key = key !== undefined ? tags.get(key) : tags.get(item.slice(0, colon).trim().toLowerCase());
    if (key === undefined) return new CellFault(`expected ${hint}`);
    let value = item.slice(colon + 1);
    if (value.length > 0 && (isSpace(value.charCodeAt(0)) || isSpace(value.charCodeAt(value.length - 1)))) value = value.trim();
    if (value === '') return new CellFault(`${item.slice(0, colon + 1)} needs a value`);
    return { [key]: value };
  };
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
    case 'actions':
      return listOf(limits, actionItem(field.keys!));
    case 'users': {
      const [key] = field.keys!;
      return listOf(limits, (item) => ({ [key]: item }));
    }
    case 'members':
      return listOf(limits, memberItem(field.tags!));
    case 'object':
      return (text) =>
        isJson(text)
          ? parseJson(text, limits)
          : new CellFault(`"${field.name}" takes the JSON of the whole object, or use its dotted columns (${field.name}.…)`);
  }
}
