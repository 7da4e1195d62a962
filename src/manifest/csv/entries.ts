// CSV manifests, streamed: one row per community or group, columns named by API field (dotted
// for nested ones). Bytes are checked (bytes.ts), csv-parse splits records (records.ts), the
// header is compiled once (header.ts) and each row becomes an item (row.ts).
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

import type { Collector } from '../collector.js';
import type { ManifestLimits } from '../limits.js';
import { lineOfFileOffset } from '../source.js';
import type { Defaults } from '../validate.js';
import { ByteCheck, type ByteFault } from './bytes.js';
import { type Header, compileHeader, wrongDelimiter } from './header.js';
import { CsvRecords } from './records.js';
import { type RowEnv, allBlank, readRow } from './row.js';

const CHUNK_BYTES = 1 << 20;

/** The first non-blank line of a file, for the error path only (a syntax error before any header). */
async function firstLineOf(file: string): Promise<string> {
  let text = '';
  for await (const chunk of createReadStream(file, { end: 64 * 1024 - 1, encoding: 'utf8' })) text += chunk as string;
  return text.split(/\r\n|\n|\r/).find((l) => l.trim() !== '') ?? '';
}

/** Excel's delimiter hint line: `sep=,` says what we assume anyway; any other is refused. */
function sepLine(rec: readonly string[]): { skip: true } | { refuse: string } | undefined {
  if (rec.length === 2 && rec[0] === 'sep=' && rec[1] === '') return { skip: true };
  const sep = rec.length === 1 ? /^sep=(.)$/.exec(rec[0]) : null;
  if (!sep) return undefined;
  return { refuse: `file declares ${JSON.stringify(sep[1])} as its delimiter (an Excel "sep=" line): save as CSV with commas` };
}

/** One file's reading: records before the header, the header, then rows. */
class CsvFile {
  header: Header | undefined;
  rows = 0;
  /** Reading stopped by a fault of the file's start (its header, a `sep=` line). */
  stopped = false;
  /** A bug, not bad input: rethrown once the stream is closed. */
  internal: unknown;

  constructor(private readonly env: RowEnv) {}

  fault(line: number, field: string, message: string, column?: number): void {
    const { file, collector } = this.env;
    collector.fault(column === undefined ? { file, line, field, message } : { file, line, column, field, message });
  }

  readonly onRecord = (rec: string[], line: number): void => {
    if (this.stopped) return;
    try {
      if (this.header !== undefined) {
        if (readRow(this.header, rec, line, this.env)) this.rows++;
      } else this.beforeHeader(rec, line);
    } catch (err) {
      this.internal ??= err;
      this.stopped = true;
    }
  };

  private beforeHeader(rec: string[], line: number): void {
    if (allBlank(rec)) return; // blank lines before the header
    const sep = sepLine(rec);
    if (sep && 'skip' in sep) return;
    if (sep) {
      this.fault(line, 'csv', sep.refuse);
      this.stopped = true;
      return;
    }
    const { header, faults } = compileHeader(rec, this.env.limits);
    for (const f of faults) this.fault(line, f.field, f.message, f.column);
    this.header = header;
    if (header === undefined) this.stopped = true;
  }
}

/** Streams the file's checked bytes into the records; a byte fault or a read error ends it. */
async function feed(file: string, records: CsvRecords, f: CsvFile): Promise<ByteFault | 'unreadable' | undefined> {
  const bytes = new ByteCheck();
  const input = createReadStream(file, { highWaterMark: CHUNK_BYTES });
  try {
    for await (const chunk of input) {
      const bad = bytes.check(chunk as Buffer);
      if (bad) return bad;
      await records.write(chunk as Buffer);
      if (records.fault() || f.stopped) return undefined;
    }
    return bytes.end();
  } catch (err) {
    f.fault(1, 'file', `cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return 'unreadable';
  } finally {
    input.destroy();
  }
}

/**
 * Streams one CSV file into the collector. Never throws for bad input. Returns false when the
 * file could not be read through (encoding, quoting, an unusable header).
 */
export async function csvEntries(file: string, limits: ManifestLimits, c: Collector, defaults: Defaults): Promise<boolean> {
  const f = new CsvFile({ file, collector: c, defaults, limits });
  const records = await CsvRecords.open(f.onRecord, limits);
  const stop = await feed(file, records, f);
  if (stop === undefined && !records.fault() && !f.stopped) await records.end();
  else records.destroy();
  if (f.internal !== undefined) throw f.internal;
  if (stop === 'unreadable') return false;
  if (stop) {
    f.fault(await lineOfFileOffset(file, stop.offset), 'file', stop.message);
    return false;
  }
  // After a refused header the parser may still trip on the rest of its chunk: that would only
  // echo the header's fault (a `;` file's quotes, say), so it is not reported.
  if (f.stopped) return false;
  const syntax = records.fault();
  if (syntax) {
    // A syntax error in the header itself: a `;` file with quoted names ("handle";"name") lands here.
    const delimiter = f.header === undefined ? wrongDelimiter(await firstLineOf(file).catch(() => '')) : undefined;
    if (delimiter !== undefined) f.fault(syntax.line, 'csv', delimiter);
    else f.fault(syntax.line, 'csv', syntax.message, syntax.column);
    return false;
  }
  if (f.header === undefined) {
    f.fault(1, 'csv', 'the file is empty: a CSV manifest starts with a header row of column names');
  } else if (f.rows === 0) {
    c.warn({ file, line: 1, field: 'csv', message: 'no data rows: only a header' });
  }
  return true;
}
