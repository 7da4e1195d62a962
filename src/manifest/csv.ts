// CSV manifests, streamed: one row per community or group, columns named by API field
// (dotted for nested ones). Records come from csv-records.ts. The header is compiled once into
// per-column setters typed by fields.ts; each row then costs one pass over its cells, and a zod
// parse only when row-check.ts cannot vouch for it. Lines are counted here, not by csv-parse
// (its count is where a record ends, and it counts a quoted CRLF twice).
//
// Format decisions (manifests/README.md has the user-facing version):
// - Row kind: a `kind` column (community/group) when present; otherwise a header with
//   `handle` holds communities (groups have no handle; `community_id` beside it means
//   adoption), else one with `community_handle` or `community_id` holds groups, else a fault.
// - An empty (or blank) cell is absent, so defaults apply. Hence an empty string cannot be
//   written as a cell: give the enclosing object as a JSON cell (`recorded_video` in
//   manifests/doc-bodies.csv does this for `"link": ""`).
// - `;`-delimited files (European Excel) are refused, not auto-detected: `;` is also the
//   list separator inside cells (`1;2`), so guessing would silently misread list cells.
// - Ragged rows are one fault each and reading goes on; a syntax error (quotes) is one fault
//   and ends the file, since nothing after it can be placed reliably.
// - A column whose name starts with `_` is ignored (notes for people, e.g. the `_reason` column
//   of `report --failed`'s error file), so a fixed error file applies as it is.
import { createReadStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';

import { FAIL, cellError, cellParser, isJson } from './cells.js';
import { CsvRecordReader } from './csv-records.js';
import type { Collector } from './collector.js';
import { COMMUNITY_FIELDS, type FieldInfo, type FieldMap, GROUP_FIELDS, type LeafKind, MANIFEST_KEYS } from './fields.js';
import { formatPath, valueAt } from './issues.js';
import { CELLS_PER_RECORD_LIMIT, type ManifestLimits, limitHint } from './limits.js';
import type { PlainObject } from './merge.js';
import {
  NUL_MESSAGE,
  UTF16_MESSAGE,
  UTF8_MESSAGE,
  firstInvalidUtf8,
  lineOfFileOffset,
  utf16Bom,
  utf8CompleteEnd,
} from './source.js';
import { type RowCheck, passes, rowCheck } from './row-check.js';
import { didYouMean, unknownMessage } from './suggest.js';
import { type Defaults, type ItemContext, communityItem, groupItem, topLevelParent } from './validate.js';

type Kind = 'community' | 'group';
type Meta = { key?: string; community_handle?: string; community_id?: string };
/** Writes one non-empty cell into the row's body or meta; false on a bad cell (reason in cellError). */
type Setter = (text: string, body: PlainObject, meta: Meta) => boolean;

const KIND_VALUES: Record<string, Kind> = { community: 'community', communities: 'community', group: 'group', groups: 'group' };
const META_COLUMNS = ['kind', 'key', 'community_handle', 'community_id'] as const;
const CHUNK_BYTES = 1 << 20;
const LIST_KINDS: readonly LeafKind[] = ['list-of-int', 'list-of-string', 'actions', 'users', 'members'];
/** Field name → its place in the schema (fields.ts lists them in the schema's key order). */
const rankOfFields = (fields: FieldMap) => new Map([...fields.fields.keys()].map((name, i) => [name, i]));
const COMMUNITY_RANK = rankOfFields(COMMUNITY_FIELDS);
const GROUP_RANK = rankOfFields(GROUP_FIELDS);

function fieldSetter(field: FieldInfo, limits: ManifestLimits): Setter {
  const parse = cellParser(field, limits);
  const path = field.path;
  const depth = path.length - 1;
  const last = path[depth];
  if (depth === 0) {
    return (text, body) => {
      const v = parse(text);
      if (v === FAIL) return false;
      body[last] = v;
      return true;
    };
  }
  return (text, body) => {
    const v = parse(text);
    if (v === FAIL) return false;
    let o = body;
    for (let i = 0; i < depth; i++) {
      const k = path[i];
      let next = o[k] as PlainObject | undefined;
      if (next === undefined) {
        next = {};
        o[k] = next;
      }
      o = next;
    }
    o[last] = v;
    return true;
  };
}

const metaSetter =
  (name: keyof Meta): Setter =>
  (text, _body, meta) => {
    meta[name] = text;
    return true;
  };

const refuse =
  (message: string): Setter =>
  () => {
    cellError.message = message;
    return false;
  };

function isBlank(cell: string): boolean {
  return cell.length === 0 || (cell.charCodeAt(0) <= 32 && cell.trim() === '');
}

function allBlank(rec: string[]): boolean {
  for (let i = 0; i < rec.length; i++) if (!isBlank(rec[i])) return false;
  return true;
}

function newlinesIn(rec: string[]): number {
  let n = 0;
  for (let i = 0; i < rec.length; i++) {
    const f = rec[i];
    for (let j = f.indexOf('\n'); j !== -1; j = f.indexOf('\n', j + 1)) n++;
  }
  return n;
}

/**
 * `;` or TAB where commas belong (European Excel, "Text (Tab delimited)"), judged from the
 * header line: field names never hold either, so more of them than commas gives it away.
 */
function wrongDelimiter(headerText: string): string | undefined {
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

/** The first non-blank line of a file, for the error path only (a syntax error before any header). */
async function firstLineOf(file: string): Promise<string> {
  let text = '';
  for await (const chunk of createReadStream(file, { end: 64 * 1024 - 1, encoding: 'utf8' })) text += chunk as string;
  return text.split(/\r\n|\n|\r/).find((l) => l.trim() !== '') ?? '';
}

interface Header {
  names: string[];
  /** Per kind, a setter per column (undefined: the column is `kind`, or ignored). */
  setters: Record<Kind, (Setter | undefined)[]>;
  /**
   * Per kind, the columns in the schema's field order (then the others): cells are written in
   * this order so that a body has zod's key order without zod (see row-check.ts).
   */
  order: Record<Kind, number[]>;
  /** Per kind, columns whose cell may hold JSON (lists, objects): such a row goes through zod. */
  jsonCols: Record<Kind, boolean[]>;
  /** Per kind, the check that lets a row skip zod; undefined: every row goes through zod. */
  rowChecks: Record<Kind, RowCheck | undefined>;
  fileKind: Kind | undefined;
  kindCol: number;
  /** Dotted field or meta name → column index (0-based). */
  columnOf: Map<string, number>;
  /** The header had faults: rows are still read, but absent-field faults would only echo them. */
  broken: boolean;
}

function csvErrorMessage(err: Error & { code?: string }, limits: ManifestLimits): string {
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed (a missing " in the record starting here): the rest of the file cannot be read';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a closing quote is followed by other characters: inside a quoted field write a quote as ""';
    case 'INVALID_OPENING_QUOTE':
      return 'a quote in the middle of an unquoted field: quote the whole field ("…") and write inner quotes as ""';
    case 'CSV_MAX_RECORD_SIZE':
      return `record longer than ${limits.maxCellBytes * CELLS_PER_RECORD_LIMIT} characters (an unclosed quote?): the rest of the file cannot be read ${limitHint('maxCellBytes')}`;
    default:
      return err.message;
  }
}

/**
 * Streams one CSV file into the collector. Never throws for bad input. Returns false when the
 * file could not be read through (encoding, quoting, an unusable header).
 */
export async function csvEntries(file: string, limits: ManifestLimits, c: Collector, defaults: Defaults): Promise<boolean> {
  let nextLine = 1;
  let line = 1;
  let header: Header | undefined;
  let stopped = false;
  let rows = 0;
  let internal: unknown;

  const fault = (ln: number, column: number | undefined, field: string, message: string) =>
    c.fault(column === undefined ? { file, line: ln, field, message } : { file, line: ln, column, field, message });

  // ---- header ------------------------------------------------------------------------------
  const compileHeader = (rec: string[], ln: number): Header | undefined => {
    const names = rec.map((n) => n.trim());
    const delimiter = wrongDelimiter(names.join(','));
    if (delimiter !== undefined) {
      fault(ln, undefined, 'csv', delimiter);
      return undefined;
    }
    let width = names.length;
    while (width > 0 && names[width - 1] === '') width--; // Excel's trailing empty columns
    const present = new Set(names);
    const kindCol = names.indexOf('kind');
    let fileKind: Kind | undefined;
    if (kindCol < 0) {
      if (present.has('handle')) fileKind = 'community';
      else if (present.has('community_handle') || present.has('community_id')) fileKind = 'group';
      else {
        fault(ln, undefined, 'csv', 'cannot tell communities from groups: add a "kind" column (community or group), or a "handle" column (communities) or "community_handle"/"community_id" (groups)');
        return undefined;
      }
    }
    const kinds: Kind[] = fileKind ? [fileKind] : ['community', 'group'];
    const candidates = new Set<string>();
    for (const k of kinds) {
      for (const n of (k === 'community' ? COMMUNITY_FIELDS : GROUP_FIELDS).fields.keys()) candidates.add(n);
      for (const n of MANIFEST_KEYS[k]) if (n !== 'groups') candidates.add(n);
    }
    if (!fileKind) candidates.add('kind');

    let broken = false;
    const bad = (i: number, message: string) => {
      broken = true;
      fault(ln, i + 1, names[i] || `column ${i + 1}`, message);
    };
    const setters: Header['setters'] = { community: [], group: [] };
    const columnOf = new Map<string, number>();
    const fieldsIn: Record<Kind, { name: string; col: number }[]> = { community: [], group: [] };
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      if (i >= width) {
        const s = refuse('a value in a column with no name in the header');
        setters.community[i] = s;
        setters.group[i] = s;
        continue;
      }
      if (name === '') {
        bad(i, 'column has no name');
        continue;
      }
      if (columnOf.has(name)) {
        bad(i, `duplicate column "${name}" (also column ${columnOf.get(name)! + 1})`);
        continue;
      }
      columnOf.set(name, i);
      if (name === 'kind') continue;
      // Notes for people, not fields: `report --failed` writes `_status` and `_reason` columns.
      if (name.startsWith('_')) continue;
      let known = false;
      for (const k of ['community', 'group'] as const) {
        const meta = (MANIFEST_KEYS[k] as readonly string[]).includes(name) && name !== 'groups' ? (name as keyof Meta) : undefined;
        const field = (k === 'community' ? COMMUNITY_FIELDS : GROUP_FIELDS).fields.get(name);
        if (meta) setters[k][i] = metaSetter(meta);
        else if (field) {
          setters[k][i] = fieldSetter(field, limits);
          fieldsIn[k].push({ name, col: i });
        } else setters[k][i] = refuse(`column "${name}" does not apply to a ${k} row`);
        if ((meta || field) && kinds.includes(k)) known = true;
      }
      if (!known) {
        const otherKind = (META_COLUMNS as readonly string[]).includes(name) || COMMUNITY_FIELDS.fields.has(name) || GROUP_FIELDS.fields.has(name);
        const guess = didYouMean(name, candidates);
        let why: string;
        if (!otherKind) why = unknownMessage('column', name, candidates);
        else if (guess !== undefined && guess !== name) why = `column "${name}" does not apply to ${fileKind} rows (did you mean "${guess}"?)`;
        else why = `column "${name}" does not apply to ${fileKind} rows (add a "kind" column for a file that mixes communities and groups)`;
        bad(i, why);
        setters.community[i] = undefined;
        setters.group[i] = undefined;
      }
    }
    // `categories` (JSON) and `categories.existing` in one header would write the same value twice.
    for (const k of kinds) {
      for (const a of fieldsIn[k]) {
        for (const b of fieldsIn[k]) {
          if (b.name.startsWith(`${a.name}.`) && setters[k][a.col] !== undefined) {
            bad(b.col, `column "${b.name}" overlaps column "${a.name}": use one or the other`);
            setters.community[b.col] = undefined;
            setters.group[b.col] = undefined;
          }
        }
      }
    }
    const order = { community: [] as number[], group: [] as number[] };
    const jsonCols = { community: [] as boolean[], group: [] as boolean[] };
    const rowChecks: Header['rowChecks'] = { community: undefined, group: undefined };
    for (const k of kinds) {
      const fields = k === 'community' ? COMMUNITY_FIELDS : GROUP_FIELDS;
      const rank = k === 'community' ? COMMUNITY_RANK : GROUP_RANK;
      const own = new Map<number, FieldInfo>();
      for (const { name, col } of fieldsIn[k]) if (setters[k][col] !== undefined) own.set(col, fields.fields.get(name)!);
      const rankOf = (col: number) => {
        const field = own.get(col);
        return field === undefined ? rank.size + col : rank.get(field.name)!;
      };
      order[k] = names.map((_, i) => i).sort((a, b) => rankOf(a) - rankOf(b));
      jsonCols[k] = names.map((_, i) => {
        const kind = own.get(i)?.kind;
        return kind === 'object' || (kind !== undefined && LIST_KINDS.includes(kind));
      });
      rowChecks[k] = broken ? undefined : rowCheck(fields, own);
    }
    return { names, setters, order, jsonCols, rowChecks, fileKind, kindCol, columnOf, broken };
  };

  // ---- rows --------------------------------------------------------------------------------
  /** The column a value path was read from: its own, or the nearest enclosing JSON column. */
  const columnFor = (path: readonly PropertyKey[]): number | undefined => {
    const segs: string[] = [];
    for (const p of path) {
      if (typeof p !== 'string') break;
      segs.push(p);
    }
    for (let n = segs.length; n > 0; n--) {
      const col = header!.columnOf.get(n === segs.length ? segs.join('.') : segs.slice(0, n).join('.'));
      if (col !== undefined) return col;
    }
    return undefined;
  };
  const locate = (path: readonly PropertyKey[]): { line: number; column?: number } => {
    const col = columnFor(path);
    return col === undefined ? { line } : { line, column: col + 1 };
  };
  const requiredHint = (kind: Kind, path: readonly PropertyKey[]): string => {
    const name = formatPath(path);
    if (!header!.columnOf.has(name)) {
      // `actions[0].access_type_id` missing from the JSON in the `actions` cell: say so, not "no column".
      const col = columnFor(path);
      if (col !== undefined) return ` (missing from the value in column "${header!.names[col]}")`;
      return ` (no "${name}" column, and no defaults.${kind}.${name} in a YAML manifest)`;
    }
    const field = (kind === 'community' ? COMMUNITY_FIELDS : GROUP_FIELDS).fields.get(name);
    const list = field !== undefined && LIST_KINDS.includes(field.kind);
    return list ? ' (the cell is empty: an empty cell means "not given"; write [] for an empty list)' : ' (the cell is empty)';
  };

  const onRow = (rec: string[]): void => {
    const h = header!;
    const ncols = h.names.length;
    if (rec.length !== ncols) {
      if (rec.length === 1 && rec[0] === '') return; // an empty line
      fault(line, undefined, 'csv', `row has ${rec.length} cells, the header has ${ncols} (a missing or extra comma, or an unquoted comma in a value?)`);
      return;
    }
    let kind = h.fileKind;
    if (h.kindCol >= 0) {
      const k = rec[h.kindCol].trim().toLowerCase();
      kind = Object.hasOwn(KIND_VALUES, k) ? KIND_VALUES[k] : undefined; // `__proto__` is not a kind
      if (kind === undefined) {
        if (k === '' && allBlank(rec)) return;
        fault(line, h.kindCol + 1, 'kind', k === '' ? 'required: community or group' : unknownMessage('kind', rec[h.kindCol].trim(), ['community', 'group']));
        return;
      }
    }
    const setters = h.setters[kind!];
    const order = h.order[kind!];
    const jsonCols = h.jsonCols[kind!];
    const check = h.rowChecks[kind!];
    const body: PlainObject = {};
    const meta: Meta = {};
    let any = false;
    let cellFaults = false;
    let trusted = check !== undefined && (kind === 'community' ? defaults.community : defaults.group) === undefined;
    for (let o = 0; o < ncols; o++) {
      const i = order[o];
      const cell = rec[i];
      if (isBlank(cell)) continue;
      const set = setters[i];
      if (set === undefined) continue;
      any = true;
      if (trusted && jsonCols[i] && isJson(cell)) trusted = false;
      if (cell.length > limits.maxCellBytes) {
        cellFaults = true;
        fault(line, i + 1, h.names[i] || `column ${i + 1}`, `cell longer than ${limits.maxCellBytes} characters ${limitHint('maxCellBytes')}`);
      } else if (!set(cell, body, meta)) {
        cellFaults = true;
        fault(line, i + 1, h.names[i] || `column ${i + 1}`, cellError.message);
      }
    }
    if (!any && h.kindCol < 0) return; // a row of empty cells (",,,")
    rows++;
    if (trusted && !cellFaults) {
      for (const col of check!.required) {
        if (isBlank(rec[col])) {
          trusted = false;
          break;
        }
      }
      if (trusted) {
        for (const { col, field } of check!.checked) {
          if (!isBlank(rec[col]) && !passes(field, valueAt(body, field.path))) {
            trusted = false;
            break;
          }
        }
      }
    }
    const ctx: ItemContext = {
      collector: c,
      defaults,
      pos: { file, line },
      locate,
      fresh: true,
      quietAbsent: h.broken || cellFaults,
      trusted: trusted && !cellFaults,
      requiredHint,
    };
    if (kind === 'community') {
      communityItem(body, meta.community_id, ctx);
    } else {
      groupItem(body, meta.key, topLevelParent(meta.community_handle, meta.community_id, ctx), ctx);
    }
  };

  const onRecord = (rec: string[], newlines?: number): void => {
    line = nextLine;
    nextLine += 1 + (newlines ?? newlinesIn(rec));
    if (stopped) return;
    try {
      if (header === undefined) {
        if (allBlank(rec)) return; // blank lines before the header
        // Excel's delimiter hint line: `sep=,` says what we assume anyway; any other is refused.
        if (rec.length === 2 && rec[0] === 'sep=' && rec[1] === '') return;
        const sep = rec.length === 1 ? /^sep=(.)$/.exec(rec[0]) : null;
        if (sep) {
          fault(line, undefined, 'csv', `file declares ${JSON.stringify(sep[1])} as its delimiter (an Excel "sep=" line): save as CSV with commas`);
          stopped = true;
          return;
        }
        header = compileHeader(rec, line);
        if (header === undefined) stopped = true;
      } else {
        onRow(rec);
      }
    } catch (err) {
      // A bug, not bad input: stop reading and rethrow it after the stream is closed.
      internal ??= err;
      stopped = true;
    }
  };

  // ---- the stream --------------------------------------------------------------------------
  const reader = new CsvRecordReader(onRecord, { maxRecordSize: limits.maxCellBytes * CELLS_PER_RECORD_LIMIT });

  let offset = 0;
  let carry: Buffer | undefined;
  let byteFault: { offset: number; message: string } | undefined;
  const input = createReadStream(file, { highWaterMark: CHUNK_BYTES });
  try {
    for await (const chunk of input) {
      const buf = chunk as Buffer;
      if (offset === 0 && utf16Bom(buf)) {
        byteFault = { offset: 0, message: UTF16_MESSAGE };
        break;
      }
      const nul = buf.indexOf(0);
      if (nul >= 0) {
        byteFault = { offset: offset + nul, message: NUL_MESSAGE };
        break;
      }
      // UTF-8 check, carrying a character cut by the chunk boundary over to the next chunk.
      const joined = carry ? Buffer.concat([carry, buf]) : buf;
      const base = offset - (carry?.length ?? 0);
      const end = utf8CompleteEnd(joined);
      const whole = end === joined.length ? joined : joined.subarray(0, end);
      if (!isUtf8(whole)) {
        byteFault = { offset: base + Math.max(0, firstInvalidUtf8(whole)), message: UTF8_MESSAGE };
        break;
      }
      carry = end === joined.length ? undefined : Buffer.from(joined.subarray(end));
      reader.write(buf);
      offset += buf.length;
      if (reader.errored || stopped) break;
    }
    if (!byteFault && carry && !reader.errored && !stopped) {
      byteFault = { offset: offset - carry.length, message: UTF8_MESSAGE };
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    fault(1, undefined, 'file', `cannot read it (${code ?? (err as Error).message})`);
    stopped = true;
  } finally {
    input.destroy();
  }

  if (byteFault) {
    reader.destroy();
    fault(await lineOfFileOffset(file, byteFault.offset), undefined, 'file', byteFault.message);
  } else if (!reader.errored && !stopped) {
    await reader.end();
  } else {
    reader.destroy();
  }
  if (internal !== undefined) throw internal;

  const err = reader.errored;
  // After a refused header the parser may still trip on the rest of its chunk: that would only
  // echo the header's fault (a `;` file's quotes, say), so it is not reported.
  if (err && !byteFault && !stopped) {
    // A syntax error in the header itself: a `;` file with quoted names ("handle";"name") lands here.
    const delimiter = header === undefined ? wrongDelimiter(await firstLineOf(file).catch(() => '')) : undefined;
    if (delimiter !== undefined) {
      fault(nextLine, undefined, 'csv', delimiter);
      return false;
    }
    // The record in progress starts at nextLine: that is where the user should look.
    const column = typeof err.column === 'number' ? err.column + 1 : undefined;
    fault(nextLine, column, 'csv', csvErrorMessage(err, limits));
    return false;
  }
  if (stopped || byteFault) return false;
  if (header === undefined) {
    fault(1, undefined, 'csv', 'the file is empty: a CSV manifest starts with a header row of column names');
  } else if (rows === 0) {
    c.warn({ file, line: 1, field: 'csv', message: 'no data rows: only a header' });
  }
  return true;
}
