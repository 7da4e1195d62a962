// JSON export of report rows (or of the per-community summary): one array of row objects, every column present (null when empty),
// keys in REPORT_COLUMNS order, for scripts.
import type { ReportRow } from './rows.js';

/** The JSON text in pieces, one row per line inside the array, for streaming a large report. */
export function* jsonChunks(rows: Iterable<ReportRow | object>): Generator<string> {
  let chunk = '[';
  let first = true;
  for (const row of rows) {
    chunk += (first ? '\n  ' : ',\n  ') + JSON.stringify(row);
    first = false;
    if (chunk.length >= 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk + (first ? ']\n' : '\n]\n');
}

/** The whole JSON document: an array of row objects. */
export function toJson(rows: Iterable<ReportRow>): string {
  let out = '';
  for (const chunk of jsonChunks(rows)) out += chunk;
  return out;
}
