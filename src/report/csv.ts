// CSV export of report rows: RFC 4180 (CRLF, quotes doubled), optional UTF-8 BOM for Excel, and
// cells that a spreadsheet would run as a formula neutralised with a leading apostrophe.
import { REPORT_COLUMNS, type ReportRow } from './rows.js';

export interface CsvOptions {
  /** Start with a UTF-8 byte order mark, so Excel reads the file as UTF-8. Default: false. */
  bom?: boolean;
}

const NEEDS_QUOTES = /[",\r\n]/;
const QUOTE = /"/g;

/**
 * One cell. Text starting with `=`, `+`, `-`, `@`, TAB or CR gets a leading `'` (OWASP's CSV
 * injection advice): keys, names and error messages come from manifests and from the server,
 * and a spreadsheet must show them, not run them. Numbers are ours and left alone.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  let text = value;
  const first = text.charCodeAt(0);
  // = + - @ TAB CR
  if (first === 61 || first === 43 || first === 45 || first === 64 || first === 9 || first === 13) text = `'${text}`;
  return quoteCell(text);
}

/** RFC 4180 quoting alone: the text is kept verbatim (for files read back by a program). */
export function quoteCell(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replace(QUOTE, '""')}"` : text;
}

export function csvHeader(columns: readonly string[] = REPORT_COLUMNS): string {
  return columns.join(',') + '\r\n';
}

export function csvRow<R extends object>(row: R, columns: readonly (keyof R & string)[] = REPORT_COLUMNS as unknown as (keyof R & string)[]): string {
  let line = '';
  for (let i = 0; i < columns.length; i++) {
    if (i > 0) line += ',';
    line += csvCell(row[columns[i]!] as string | number | null | undefined);
  }
  return line + '\r\n';
}

/** The CSV text in pieces (header first), for streaming a large report: `Readable.from(csvChunks(rows))`. */
export function csvChunks(rows: Iterable<ReportRow>, options: CsvOptions = {}): Generator<string> {
  return csvChunksOf(rows, REPORT_COLUMNS, options);
}

/** The same for rows of another shape (the per-community summary), with its own columns. */
export function* csvChunksOf<R extends object>(rows: Iterable<R>, columns: readonly (keyof R & string)[], options: CsvOptions = {}): Generator<string> {
  yield (options.bom ? '\uFEFF' : '') + csvHeader(columns);
  let chunk = '';
  for (const row of rows) {
    chunk += csvRow(row, columns);
    if (chunk.length >= 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** The whole CSV document as one string. */
export function toCsv(rows: Iterable<ReportRow>, options: CsvOptions = {}): string {
  let out = '';
  for (const chunk of csvChunks(rows, options)) out += chunk;
  return out;
}
