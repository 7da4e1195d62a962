// One CSV data row → one community or group item: its kind, its cells written through the
// header's setters (a bad cell is a fault at its column), then the checks both formats share.
import type { Collector } from '../collector.js';
import { limitHint, type ManifestLimits } from '../limits.js';
import type { PlainObject } from '../merge.js';
import { unknownMessage } from '../suggest.js';
import { type Defaults, type ItemContext, communityItem, groupItem, topLevelParent } from '../validate.js';
import type { ItemKind } from '../../api/schema.js';
import type { Header } from './header.js';
import { requiredHint, rowLocator } from './place.js';
import type { Meta } from './setters.js';

/** What a row is read with: the file's place, the run's defaults and limits. */
export interface RowEnv {
  file: string;
  collector: Collector;
  defaults: Defaults;
  limits: ManifestLimits;
}

const KIND_VALUES: Record<string, ItemKind> = { community: 'community', communities: 'community', group: 'group', groups: 'group' };

/** A `new_group` cell: true or false in any letter case; other text is kept for the check to refuse. */
function csvFlag(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  const t = text.trim().toLowerCase();
  return t === 'true' ? true : t === 'false' ? false : text;
}

export function isBlank(cell: string): boolean {
  return cell.length === 0 || (cell.charCodeAt(0) <= 32 && cell.trim() === '');
}

export function allBlank(rec: readonly string[]): boolean {
  for (let i = 0; i < rec.length; i++) if (!isBlank(rec[i])) return false;
  return true;
}

function fault(env: RowEnv, line: number, column: number | undefined, field: string, message: string): void {
  env.collector.fault(column === undefined ? { file: env.file, line, field, message } : { file: env.file, line, column, field, message });
}

/** The row's kind, from its `kind` cell or the file's; null for a blank row; undefined after a fault. */
function rowKind(h: Header, rec: readonly string[], line: number, env: RowEnv): ItemKind | null | undefined {
  if (h.kindCol < 0) return h.fileKind;
  const cell = rec[h.kindCol];
  if (Object.hasOwn(KIND_VALUES, cell)) return KIND_VALUES[cell]; // as written, without trim and lowercase
  const k = cell.trim().toLowerCase();
  if (Object.hasOwn(KIND_VALUES, k)) return KIND_VALUES[k]; // `__proto__` is not a kind
  if (k === '' && allBlank(rec)) return null;
  fault(env, line, h.kindCol + 1, 'kind', k === '' ? 'required: community or group' : unknownMessage('kind', cell.trim(), ['community', 'group']));
  return undefined;
}

interface Cells {
  body: PlainObject;
  meta: Meta;
  /** Some cell held a value. */
  any: boolean;
  /** Some cell was refused (its fault already reported). */
  faulty: boolean;
}

/** The row's non-blank cells written into a body and meta, in column order. */
function readCells(h: Header, kind: ItemKind, rec: readonly string[], line: number, env: RowEnv): Cells {
  const setters = h.setters[kind];
  const out: Cells = { body: {}, meta: {}, any: false, faulty: false };
  const max = env.limits.maxCellBytes;
  for (let i = 0; i < rec.length; i++) {
    const cell = rec[i];
    const set = setters[i];
    if (set === undefined || isBlank(cell)) continue;
    out.any = true;
    const why = cell.length > max ? `cell longer than ${max} characters ${limitHint('maxCellBytes')}` : set(cell, out.body, out.meta);
    if (why !== undefined) {
      out.faulty = true;
      fault(env, line, i + 1, h.names[i] || `column ${i + 1}`, why);
    }
  }
  return out;
}

/** Reads one data row into the collector; true when it counts as a row (not blank, not ragged). */
export function readRow(h: Header, rec: readonly string[], line: number, env: RowEnv): boolean {
  const ncols = h.names.length;
  if (rec.length !== ncols) {
    if (rec.length === 1 && rec[0] === '') return false; // an empty line
    fault(env, line, undefined, 'csv', `row has ${rec.length} cells, the header has ${ncols} (a missing or extra comma, or an unquoted comma in a value?)`);
    return false;
  }
  const kind = rowKind(h, rec, line, env);
  if (kind == null) return false;
  const cells = readCells(h, kind, rec, line, env);
  if (!cells.any && h.kindCol < 0) return false; // a row of empty cells (",,,")
  const ctx: ItemContext = {
    collector: env.collector,
    defaults: env.defaults,
    pos: { file: env.file, line },
    locate: rowLocator(h, line),
    fresh: true,
    quietAbsent: h.broken || cells.faulty,
    requiredHint: requiredHint(h),
    // YAML defaults may add any field: their rows need the whole schema.
    bodySchema: (kind === 'community' ? env.defaults.community : env.defaults.group) === undefined ? h.schemas[kind] : undefined,
  };
  const { body, meta } = cells;
  if (kind === 'community') communityItem(body, meta.community_id, ctx);
  else groupItem(body, meta.key, topLevelParent(meta.community_handle, meta.community_id, ctx), ctx, { movedFrom: meta.moved_from, newGroup: csvFlag(meta.new_group) });
  return true;
}
