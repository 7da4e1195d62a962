// Failed items written back as manifest CSV rows (the "error file"): the columns and cell syntax
// the CSV manifest loader reads, taken from manifest/fields.ts and checked against its own cell
// parsers, so a person can fix a row in a spreadsheet and `apply` the file as it is.
import { isDeepStrictEqual } from 'node:util';
import type { ItemKind } from '../api/schema.js';
import { CellFault, cellParser, LIST_SEPARATOR } from '../manifest/csv/cells.js';
import { communityFields, groupFields, type FieldInfo, type FieldMap } from '../manifest/fields.js';
import { DEFAULT_LIMITS } from '../manifest/limits.js';
import { parseGroupKey } from '../item-key.js';
import type { PlanItem } from '../plan/plan.js';
import { csvCell, quoteCell } from './csv.js';

const fieldsOf = (kind: ItemKind): FieldMap => (kind === 'community' ? communityFields() : groupFields());

/** A manifest entry rebuilt from a plan item: what a YAML or JSON manifest would say. */
export interface ManifestRow {
  kind: ItemKind;
  /** group: its key within the community (written always, so a fixed name keeps the item's identity). */
  key?: string;
  community_handle?: string;
  community_id?: string;
  /** The request body exactly as it was to be sent (defaults already merged). */
  body: Record<string, unknown>;
}

/** The manifest entry behind a plan item (its body was serialised at plan time). */
export function manifestRow(item: PlanItem): ManifestRow {
  const body = item.body ? (JSON.parse(item.body) as Record<string, unknown>) : {};
  if (item.kind === 'community') return { kind: 'community', body };
  // The group's own key, whichever name of its parent the ledger key uses (item-key.ts).
  const key = parseGroupKey(item.key)!.key;
  return item.handle !== undefined
    ? { kind: 'group', key, community_handle: item.handle, body }
    : { kind: 'group', key, community_id: item.communityId, body };
}

/** Mirrors the CSV loader: a blank cell means "not given". */
function isBlank(text: string): boolean {
  return text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '');
}

const parsers = new Map<FieldInfo, (text: string) => unknown>();
function parse(field: FieldInfo, text: string): unknown {
  let p = parsers.get(field);
  if (!p) parsers.set(field, (p = cellParser(field, DEFAULT_LIMITS)));
  return p(text);
}

/** The shortest tag per member key (`phone_number` → `phone`). */
function memberTag(field: FieldInfo, key: string): string {
  let best = key;
  for (const [tag, k] of field.tags!) if (k === key && tag.length < best.length) best = tag;
  return best;
}

/** The cell syntax of fields.ts for a value, before checking. */
function compactText(field: FieldInfo, value: unknown): string | undefined {
  switch (field.kind) {
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'integer':
    case 'number':
    case 'boolean':
      return String(value);
    case 'list-of-int':
    case 'list-of-string':
      return Array.isArray(value) ? value.join(LIST_SEPARATOR) : undefined;
    case 'actions':
      return Array.isArray(value) ? value.map((v: Record<string, unknown>) => `${v[field.keys![0]!]}:${v[field.keys![1]!]}`).join(LIST_SEPARATOR) : undefined;
    case 'users':
      return Array.isArray(value) ? value.map((v: Record<string, unknown>) => String(v[field.keys![0]!])).join(LIST_SEPARATOR) : undefined;
    case 'members':
      return Array.isArray(value)
        ? value.map((v: Record<string, unknown>) => {
            const [k, val] = Object.entries(v)[0] ?? ['', ''];
            return `${memberTag(field, k)}:${String(val)}`;
          }).join(LIST_SEPARATOR)
        : undefined;
    case 'object':
      return JSON.stringify(value);
  }
}

/**
 * The text of one cell that the loader reads back as exactly `value`, or undefined when no cell
 * can say it (an empty string: a blank cell means "not given"). Lists whose items the `;` syntax
 * cannot carry (a `;` inside an item, an empty list) fall back to JSON, which list cells accept.
 */
export function cellText(field: FieldInfo, value: unknown): string | undefined {
  const candidates = [compactText(field, value)];
  if (field.kind !== 'string') candidates.push(JSON.stringify(value));
  for (const text of candidates) {
    if (text === undefined || isBlank(text)) continue;
    const back = parse(field, text);
    if (!(back instanceof CellFault) && isDeepStrictEqual(back, value)) return text;
  }
  return undefined;
}

/** Dotted-column cells for the value of an object field, or undefined if some part has no cell. */
function leafCells(fields: FieldMap, prefix: string, value: unknown, out: Map<string, string>): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  if (entries.length === 0) return false; // `{}` has no dotted columns
  for (const [k, v] of entries) {
    const name = `${prefix}.${k}`;
    const field = fields.fields.get(name);
    if (!field) return false;
    if (field.kind === 'object') {
      if (!leafCells(fields, name, v, out)) return false;
      continue;
    }
    const text = cellText(field, v);
    if (text === undefined) return false;
    out.set(name, text);
  }
  return true;
}

export interface ManifestCsvOptions {
  bom?: boolean;
  /**
   * Per row (same order): why it is in the file, and the item's ledger key. Written in the last
   * columns, `_status`, `_reason`, `_decision` (empty: for the person to fill in, read by
   * `ledger resolve --from`) and `_ledger_key`, which the CSV loader ignores (every column
   * starting with `_`), so the fixed file applies as it is. Status and reason are
   * formula-neutralised like a report cell (nothing reads them back); the key is written as it
   * is, since `ledger resolve --from` matches it exactly.
   */
  notes?: readonly { status: string; reason: string; ledgerKey: string }[];
}

/** The note columns: names start with `_`, so the loader skips them. */
export const NOTE_COLUMNS = ['_status', '_reason', '_decision', '_ledger_key'] as const;

export interface ManifestCsv {
  /** The CSV document (RFC 4180, CRLF). */
  text: string;
  /** 1-based line of each row, in row order (a quoted newline makes a row span lines). */
  lines: number[];
  /** Values no cell can carry (left out of their row): `kind key: field`. */
  lost: string[];
  /** Cells a spreadsheet would read as a formula (`=`, `+`, `-`, `@`): kept verbatim so apply reads them back unchanged. */
  formulaCells: number;
}

const FORMULA = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/**
 * The rows as one manifest CSV: a `kind` column, the manifest keys, then every field column that
 * some row uses, in schema order. An object field (`recorded_video`, `group`) gets its dotted
 * columns, or a single JSON column when some row's value cannot be split into cells (an empty
 * string or object inside it). Values are written verbatim: formula neutralisation would change
 * them on the way back in (see `formulaCells`).
 */
export function manifestCsv(rows: ManifestRow[], options: ManifestCsvOptions = {}): ManifestCsv {
  // Pass 1: which object fields need a JSON column.
  const asJson = new Set<string>();
  for (const row of rows) {
    const fields = fieldsOf(row.kind);
    for (const [k, v] of Object.entries(row.body)) {
      if (fields.fields.get(k)?.kind === 'object' && !leafCells(fields, k, v, new Map())) asJson.add(k);
    }
  }
  // Pass 2: each row's cells.
  const lost: string[] = [];
  const cellsOf = rows.map((row) => {
    const fields = fieldsOf(row.kind);
    const cells = new Map<string, string>();
    cells.set('kind', row.kind);
    if (row.key !== undefined) cells.set('key', row.key);
    if (row.community_handle !== undefined) cells.set('community_handle', row.community_handle);
    if (row.community_id !== undefined) cells.set('community_id', row.community_id);
    for (const [k, v] of Object.entries(row.body)) {
      const field = fields.fields.get(k);
      const text = field && (field.kind !== 'object' || asJson.has(k)) ? cellText(field, v) : undefined;
      if (text !== undefined) cells.set(k, text);
      else if (field?.kind !== 'object' || !leafCells(fields, k, v, cells)) lost.push(`${row.kind} ${row.key ?? row.body.handle}: ${k}`);
    }
    return cells;
  });
  // Columns: identity first, then fields in schema order, only those some row uses.
  const used = new Set<string>();
  for (const cells of cellsOf) for (const name of cells.keys()) used.add(name);
  const hasCommunity = rows.some((r) => r.kind === 'community');
  const hasGroup = rows.some((r) => r.kind === 'group');
  const columns = ['kind'];
  if (hasCommunity) columns.push('handle', 'name');
  // Always there: for a community that exists without a known id, this is the cell to fill in.
  columns.push('community_id');
  if (hasGroup) columns.push('community_handle', 'key');
  for (const fields of [communityFields(), groupFields()]) {
    for (const name of fields.fields.keys()) if (used.has(name) && !columns.includes(name)) columns.push(name);
  }

  const notes = options.notes;
  let text = (options.bom ? '\uFEFF' : '') + [...columns, ...(notes ? NOTE_COLUMNS : [])].join(',') + '\r\n';
  let line = 2;
  const lines: number[] = [];
  let formulaCells = 0;
  for (let r = 0; r < cellsOf.length; r++) {
    const cells = cellsOf[r]!;
    lines.push(line);
    const out: string[] = [];
    for (const c of columns) {
      const v = cells.get(c) ?? '';
      if (FORMULA.test(v) && !PLAIN_NUMBER.test(v)) formulaCells++;
      out.push(quoteCell(v));
    }
    const note = notes?.[r];
    if (notes) out.push(csvCell(note?.status), csvCell(note?.reason), '', quoteCell(note?.ledgerKey ?? ''));
    const record = out.join(',');
    text += record + '\r\n';
    line += 1 + (record.match(/\n/g)?.length ?? 0);
  }
  return { text, lines, lost, formulaCells };
}
