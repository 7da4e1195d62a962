// CSV text → records with their physical start lines, through csv-parse's documented stream
// API; a syntax error becomes a CsvSyntaxFault at the line where its record starts.
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Parser } from 'csv-parse';

import { CELLS_PER_RECORD_LIMIT, type ManifestLimits, limitHint } from '../limits.js';

// Loaded when a CSV file is read, not at start-up: most runs never read one.
let parserClass: typeof Parser | undefined;
async function loadCsvParse(): Promise<typeof Parser> {
  return (parserClass ??= (await import('csv-parse')).Parser);
}

/** `line`: where the record starts (csv-parse's `info.lines` is where it ends). */
export type OnRecord = (record: string[], line: number) => void;

export interface CsvSyntaxFault {
  line: number;
  column?: number;
  message: string;
}

/** Line breaks inside a record's quoted fields: the next record starts that many lines later. */
function newlinesIn(rec: string[]): number {
  let n = 0;
  for (let i = 0; i < rec.length; i++) {
    const f = rec[i];
    for (let j = f.indexOf('\n'); j !== -1; j = f.indexOf('\n', j + 1)) n++;
  }
  return n;
}

function syntaxMessage(err: Error & { code?: string }, limits: ManifestLimits): string {
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

/** One file's records: write its bytes in order, then end(); read fault() after either. */
export class CsvRecords {
  private nextLine = 1;
  private readonly parser: Parser;

  private constructor(
    Csv: typeof Parser,
    onRecord: OnRecord,
    private readonly limits: ManifestLimits,
  ) {
    this.parser = new Csv({
      bom: true,
      relax_column_count: true,
      skip_empty_lines: false,
      record_delimiter: ['\r\n', '\n', '\r'],
      // Unlimited by default: one unclosed quote would buffer the rest of the file.
      max_record_size: limits.maxCellBytes * CELLS_PER_RECORD_LIMIT,
    });
    // 'data' runs as each record is parsed, inside write(): a syntax error later in the same
    // chunk cannot drop records before it, and nextLine is the failing record's start.
    this.parser.on('data', (rec: string[]) => {
      const line = this.nextLine;
      this.nextLine += 1 + newlinesIn(rec);
      onRecord(rec, line);
    });
    this.parser.on('error', () => {}); // read through fault()
  }

  static async open(onRecord: OnRecord, limits: ManifestLimits): Promise<CsvRecords> {
    return new CsvRecords(await loadCsvParse(), onRecord, limits);
  }

  /** Feeds the next bytes; waits while csv-parse's input buffer is full. */
  async write(buf: Buffer): Promise<void> {
    if (this.parser.write(buf) || this.parser.errored) return;
    await once(this.parser, 'drain').catch(() => {}); // an error ends the wait: see fault()
  }

  /** No more bytes: the last record, or the error of an unfinished one. */
  async end(): Promise<void> {
    if (this.parser.errored) return;
    this.parser.end();
    await finished(this.parser).catch(() => {});
  }

  destroy(): void {
    this.parser.destroy();
  }

  /** csv-parse's verdict, placed at the start of the record it could not read. */
  fault(): CsvSyntaxFault | undefined {
    const err = this.parser.errored as (Error & { code?: string; column?: unknown }) | null;
    if (!err) return undefined;
    const column = typeof err.column === 'number' ? err.column + 1 : undefined;
    return { line: this.nextLine, column, message: syntaxMessage(err, this.limits) };
  }
}
