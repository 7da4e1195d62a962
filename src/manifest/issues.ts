// zod issues → manifest faults: a dotted field, a message in the manifest's terms (no zod
// jargon, no echo of values, which may be phone numbers), and a place found by a Locator.
import type { z } from 'zod';

import type { ManifestFault } from '../errors.js';
import type { FieldMap } from './fields.js';
import { didYouMean } from './suggest.js';

/** Where a value path (relative to the entry) is in the source. `onKey`: the key rather than its value. */
export type Locator = (path: readonly PropertyKey[], onKey: boolean) => { line: number; column?: number };

/** `group.members[1].phone_number` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur = input;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'object':
      return 'a mapping';
    case 'string':
      return 'text';
    case 'number':
      if (!Number.isFinite(v)) return String(v); // YAML .inf / .nan
      return Number.isInteger(v) ? 'an integer' : 'a fractional number';
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      return typeof v;
  }
}

const BOOLEAN_WORDS = /^(?:true|false|yes|no|y|n|on|off)$/i;

const EXPECTED: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

/** zod says `number` for an integer field given text: the field table knows better. */
function expectedName(ctx: IssueContext, expected: string, path: readonly PropertyKey[]): string {
  if (expected === 'number') {
    const kind = ctx.fields.fieldAt(path)?.kind;
    if (kind === 'integer' || kind === 'list-of-int' || kind === 'actions') return EXPECTED.int;
  }
  return EXPECTED[expected] ?? expected;
}

export interface IssueContext {
  file: string;
  fields: FieldMap;
  /** Manifest-only keys accepted at the entry's top level (`key`, `community_id`, ...), for suggestions. */
  extraKeys: readonly string[];
  locate: Locator;
  /**
   * Drop issues about values absent from this object: they were reported elsewhere (bad
   * defaults, a misspelt CSV column) or are not required (an adopted community's fields).
   */
  absentFrom?: unknown;
  /** A hint appended to "required" (`add a "type" column or defaults.group.type`). */
  requiredHint?: (path: readonly PropertyKey[]) => string;
}

function sizeMessage(issue: z.core.$ZodIssue, big: boolean): string {
  const i = issue as { origin?: string; minimum?: number | bigint; maximum?: number | bigint; inclusive?: boolean; message: string };
  const limit = big ? i.maximum : i.minimum;
  const op = big ? (i.inclusive ? '<=' : '<') : i.inclusive ? '>=' : '>';
  // A message written in schema.ts is kept; zod's own wording is replaced.
  if (!/^Too (small|big)/.test(i.message)) return i.message;
  switch (i.origin) {
    case 'string':
      if (!big && Number(limit) === 1) return 'must not be empty';
      return `must be ${big ? 'at most' : 'at least'} ${String(limit)} characters`;
    case 'array':
      return `needs ${big ? 'at most' : 'at least'} ${String(limit)} items`;
    default:
      return `must be ${op} ${String(limit)}`;
  }
}

function unionMessage(ctx: IssueContext, path: readonly PropertyKey[], value: unknown): string {
  const field = ctx.fields.fieldAt(path);
  if (field?.kind === 'members' && field.tags) {
    const keys = [...new Set(field.tags.values())];
    // `{phone_number: 919876543210}` is the right key with a number: say that, not "no form matches".
    const entries = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : [];
    if (entries.length === 1 && keys.includes(entries[0][0]) && typeof entries[0][1] !== 'string') {
      const [key, v] = entries[0];
      return `${key}: expected text, got ${describeValue(v)}${typeof v === 'number' ? ' (put it in quotes)' : ''}`;
    }
    return `expected ${keys.map((k) => `{${k}: "…"}`).join(' or ')}`;
  }
  return 'does not match any accepted form';
}

/** Turns zod issues into faults. */
export function issueFaults(issues: readonly z.core.$ZodIssue[], input: unknown, ctx: IssueContext): ManifestFault[] {
  const { faults, meant } = unknownKeyFaults(issues, ctx);
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') continue;
    const path = issue.path;
    const value = valueAt(input, path);
    if (ctx.absentFrom !== undefined && valueAt(ctx.absentFrom, path) === undefined) continue;
    if (value === undefined && meant.has(formatPath(path))) continue;
    faults.push(faultAtPath(ctx, path, false, formatPath(path) || '(entry)', issueMessage(issue, value, ctx)));
  }
  return faults;
}

function faultAtPath(ctx: IssueContext, path: readonly PropertyKey[], onKey: boolean, field: string, message: string): ManifestFault {
  const { line, column } = ctx.locate(path, onKey);
  return column === undefined ? { file: ctx.file, line, field, message } : { file: ctx.file, line, column, field, message };
}

/**
 * Unknown keys, with a "did you mean" where one is near. A misspelt key (`nmae`) also makes its
 * intended field (`name`) missing: `meant` holds those, so the absence is not reported too.
 */
function unknownKeyFaults(issues: readonly z.core.$ZodIssue[], ctx: IssueContext): { faults: ManifestFault[]; meant: Set<string> } {
  const faults: ManifestFault[] = [];
  const meant = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const candidates = issue.path.length === 0 ? [...ctx.fields.under(issue.path), ...ctx.extraKeys] : ctx.fields.under(issue.path);
    for (const key of issue.keys) {
      const full = [...issue.path, key];
      // Keys that came from defaults (not in the entry's own object) were reported with them.
      if (ctx.absentFrom !== undefined && valueAt(ctx.absentFrom, full) === undefined) continue;
      const guess = didYouMean(key, candidates);
      if (guess !== undefined) meant.add(formatPath([...issue.path, ...guess.split('.')]));
      // `: value` or `"": value`: no name to show, so say it at the mapping that holds it.
      if (key === '') faults.push(faultAtPath(ctx, full, true, formatPath(issue.path) || '(entry)', 'a key with no name'));
      else faults.push(faultAtPath(ctx, full, true, formatPath(full), unknownKeyMessage(key, guess)));
    }
  }
  return { faults, meant };
}

function unknownKeyMessage(key: string, guess: string | undefined): string {
  if (key === '<<') return 'YAML merge keys (<<) are not supported: put shared fields under defaults';
  return guess === undefined ? `unknown field "${key}"` : `unknown field "${key}" (did you mean "${guess}"?)`;
}

function issueMessage(issue: z.core.$ZodIssue, value: unknown, ctx: IssueContext): string {
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined ? `required${ctx.requiredHint ? ctx.requiredHint(issue.path) : ''}` : typeMessage(issue.expected, value, ctx, issue.path);
    case 'invalid_union':
      return unionMessage(ctx, issue.path, value);
    case 'too_small':
      return sizeMessage(issue, false);
    case 'too_big':
      return sizeMessage(issue, true);
    default:
      return issue.message;
  }
}

function typeMessage(expected: string, value: unknown, ctx: IssueContext, path: readonly PropertyKey[]): string {
  const message = `expected ${expectedName(ctx, expected, path)}, got ${describeValue(value)}`;
  if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) return `${message} (put it in quotes)`;
  // YAML 1.2 reads yes/no/on/off as text (the "Norway problem"), and "true" in quotes is text too.
  if (expected === 'boolean' && typeof value === 'string' && BOOLEAN_WORDS.test(value.trim())) return `${message} (write true or false, without quotes)`;
  return message;
}
