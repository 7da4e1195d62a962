// A CSV header compiled once per file: what each column sets for a community row and for a
// group row, which kind of rows the file holds, and the faults of its column names.
import type { ItemKind } from '../../api/schema.js';
import type { z } from 'zod';

import { communityBodySchema, groupFieldsSchema } from '../../api/schema.js';
import { communityFields, type FieldMap, groupFields, MANIFEST_KEYS } from '../fields.js';
import type { ManifestLimits } from '../limits.js';
import { didYouMean, unknownMessage } from '../suggest.js';
import { headerSchema } from './schema.js';
import { type Meta, type Setter, fieldSetter, metaSetter, refuse } from './setters.js';

export interface Header {
  names: string[];
  /** Per kind, a setter per column (undefined: the column is `kind`, `_`-named, or faulty). */
  setters: Record<ItemKind, (Setter | undefined)[]>;
  /** Set when the file has no `kind` column. */
  fileKind: ItemKind | undefined;
  kindCol: number;
  /** Per kind, the body schema narrowed to the fields these columns set (schema.ts). */
  schemas: Record<ItemKind, z.ZodObject>;
  /** Dotted field or meta name → column index (0-based). */
  columnOf: Map<string, number>;
  /** The header had faults: rows are still read, but absent-field faults would only echo them. */
  broken: boolean;
}

/** A fault of the header line; `column` is 1-based. */
export interface HeaderFault {
  column?: number;
  field: string;
  message: string;
}

const META_COLUMNS: readonly string[] = ['kind', 'key', 'community_handle', 'community_id', 'moved_from', 'new_group'];

export const fieldsOf = (kind: ItemKind): FieldMap => (kind === 'community' ? communityFields() : groupFields());

const metaOf = (kind: ItemKind, name: string): keyof Meta | undefined =>
  (MANIFEST_KEYS[kind] as readonly string[]).includes(name) && name !== 'groups' ? (name as keyof Meta) : undefined;

/**
 * `;` or TAB where commas belong (European Excel, "Text (Tab delimited)"), judged from the
 * header line: field names never hold either, so more of them than commas gives it away.
 */
export function wrongDelimiter(headerText: string): string | undefined {
  let semis = 0;
  let tabs = 0;
  let commas = 0;
  for (let i = 0; i < headerText.length; i++) {
    const ch = headerText.charCodeAt(i);
    if (ch === 59) semis++;
    else if (ch === 9) tabs++;
    else if (ch === 44) commas++;
  }
  if (semis > commas && semis >= tabs) return "file looks ';'-delimited (European Excel export): save as CSV with commas";
  if (tabs > commas) return 'file looks tab-delimited: save as CSV with commas';
  return undefined;
}

/** Without a `kind` column: `handle` means communities, `community_handle`/`community_id` groups. */
function kindOfFile(names: readonly string[]): ItemKind | undefined {
  if (names.includes('handle')) return 'community';
  if (names.includes('community_handle') || names.includes('community_id')) return 'group';
  return undefined;
}

/** Every name a column of this file could have, for "did you mean". */
function candidatesFor(kinds: readonly ItemKind[], fileKind: ItemKind | undefined): Set<string> {
  const out = new Set<string>();
  for (const k of kinds) {
    for (const n of fieldsOf(k).fields.keys()) out.add(n);
    for (const n of MANIFEST_KEYS[k]) if (n !== 'groups') out.add(n);
  }
  if (!fileKind) out.add('kind');
  return out;
}

function unknownColumnMessage(name: string, fileKind: ItemKind | undefined, candidates: Set<string>): string {
  const otherKind = META_COLUMNS.includes(name) || communityFields().fields.has(name) || groupFields().fields.has(name);
  if (!otherKind) return unknownMessage('column', name, candidates);
  const guess = didYouMean(name, candidates);
  if (guess !== undefined && guess !== name) return `column "${name}" does not apply to ${fileKind} rows (did you mean "${guess}"?)`;
  return `column "${name}" does not apply to ${fileKind} rows (add a "kind" column for a file that mixes communities and groups)`;
}

/** The header being compiled, column by column. */
interface Draft {
  names: string[];
  kinds: ItemKind[];
  fileKind: ItemKind | undefined;
  candidates: Set<string>;
  limits: ManifestLimits;
  setters: Header['setters'];
  columnOf: Map<string, number>;
  /** Per kind, the body-field columns, for the overlap check. */
  fieldCols: Record<ItemKind, { name: string; col: number }[]>;
  faults: HeaderFault[];
}

function bad(d: Draft, i: number, message: string): void {
  d.faults.push({ column: i + 1, field: d.names[i] || `column ${i + 1}`, message });
  d.setters.community[i] = undefined;
  d.setters.group[i] = undefined;
}

/** A named column's setter for each kind; false when it means nothing to the file's kinds. */
function setColumn(d: Draft, name: string, i: number): boolean {
  let known = false;
  for (const k of ['community', 'group'] as const) {
    const meta = metaOf(k, name);
    const field = fieldsOf(k).fields.get(name);
    if (meta) d.setters[k][i] = metaSetter(meta);
    else if (field) {
      d.setters[k][i] = fieldSetter(field, d.limits);
      d.fieldCols[k].push({ name, col: i });
    } else d.setters[k][i] = refuse(`column "${name}" does not apply to a ${k} row`);
    if ((meta || field) && d.kinds.includes(k)) known = true;
  }
  return known;
}

function addColumn(d: Draft, i: number, width: number): void {
  const name = d.names[i];
  if (i >= width) {
    // Excel's trailing columns without a name: fine while they stay empty.
    const s = refuse('a value in a column with no name in the header');
    d.setters.community[i] = s;
    d.setters.group[i] = s;
    return;
  }
  if (name === '') return bad(d, i, 'column has no name');
  const twin = d.columnOf.get(name);
  if (twin !== undefined) return bad(d, i, `duplicate column "${name}" (also column ${twin + 1})`);
  d.columnOf.set(name, i);
  // `kind` steers the row; `_` columns are notes for people (`report --failed`'s `_reason`).
  if (name === 'kind' || name.startsWith('_')) return;
  if (!setColumn(d, name, i)) bad(d, i, unknownColumnMessage(name, d.fileKind, d.candidates));
}

/** `categories` (JSON) and `categories.existing` in one header would write the same value twice. */
function refuseOverlaps(d: Draft): void {
  for (const k of d.kinds) {
    for (const a of d.fieldCols[k]) {
      for (const b of d.fieldCols[k]) {
        if (b.name.startsWith(`${a.name}.`) && d.setters[k][a.col] !== undefined) {
          bad(d, b.col, `column "${b.name}" overlaps column "${a.name}": use one or the other`);
        }
      }
    }
  }
}

/** The kind's body schema narrowed to the fields of the columns that kept their setter. */
function schemaFor(d: Draft, kind: ItemKind): z.ZodObject {
  const names = d.fieldCols[kind].filter(({ col }) => d.setters[kind][col] !== undefined).map(({ name }) => name);
  return headerSchema(kind === 'community' ? communityBodySchema() : groupFieldsSchema(), names);
}

/** The header record's columns compiled; no header when the file cannot be read with it. */
export function compileHeader(rec: readonly string[], limits: ManifestLimits): { header?: Header; faults: HeaderFault[] } {
  const names = rec.map((n) => n.trim());
  const delimiter = wrongDelimiter(names.join(','));
  if (delimiter !== undefined) return { faults: [{ field: 'csv', message: delimiter }] };
  const kindCol = names.indexOf('kind');
  const fileKind = kindCol < 0 ? kindOfFile(names) : undefined;
  if (kindCol < 0 && fileKind === undefined) {
    const message =
      'cannot tell communities from groups: add a "kind" column (community or group), or a "handle" column (communities) or "community_handle"/"community_id" (groups)';
    return { faults: [{ field: 'csv', message }] };
  }
  const kinds: ItemKind[] = fileKind ? [fileKind] : ['community', 'group'];
  const d: Draft = {
    names,
    kinds,
    fileKind,
    candidates: candidatesFor(kinds, fileKind),
    limits,
    setters: { community: [], group: [] },
    columnOf: new Map(),
    fieldCols: { community: [], group: [] },
    faults: [],
  };
  let width = names.length;
  while (width > 0 && names[width - 1] === '') width--; // Excel's trailing empty columns
  for (let i = 0; i < names.length; i++) addColumn(d, i, width);
  refuseOverlaps(d);
  const header: Header = {
    names,
    setters: d.setters,
    fileKind,
    kindCol,
    schemas: { community: schemaFor(d, 'community'), group: schemaFor(d, 'group') },
    columnOf: d.columnOf,
    broken: d.faults.length > 0,
  };
  return { header, faults: d.faults };
}
