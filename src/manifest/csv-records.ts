// CSV bytes → records (string arrays), for csv.ts. Well-formed RFC 4180 text is split here
// with `indexOf` and `split` (about five times faster than csv-parse on a million-row file);
// the first record that is anything else (a stray quote, text after a closing quote, an
// unclosed quote, a record longer than the limit) and everything after it go to csv-parse,
// so every malformed file gets csv-parse's verdict, error code and column exactly as before.
// test/manifest/csv-records.test.ts checks the two agree on random text cut at random places.
//
// The records are csv-parse's with these options: bom, relax_column_count, skip_empty_lines
// off, record delimiters \r\n, \n and \r (mixed in one file), comma, double quote.
import { createRequire } from 'node:module';
import type { Parser } from 'csv-parse';

import { utf8CompleteEnd } from './source.js';

export interface CsvRecordOptions {
  /** csv-parse's `max_record_size`: a longer record is an error (CSV_MAX_RECORD_SIZE). */
  maxRecordSize: number;
}

/** `newlines`: how many \n the record's fields hold, when known (0 for a record of unquoted fields). */
type OnRecord = (record: string[], newlines?: number) => void;

const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;
// csv-parse is loaded when a file needs it, not at start-up: most runs never do.
const require = createRequire(import.meta.url);
let parserClass: typeof Parser | undefined;
function csvParser(): typeof Parser {
  return (parserClass ??= (require('csv-parse') as typeof import('csv-parse')).Parser);
}

/** Returned by the record scanners: the text from `pos` on must go to csv-parse. */
const BAIL = -1;
/**
 * Bytes decoded into one string at a time. A string this small is young garbage that the next
 * scavenge frees; a 1 MB one is a "large object", freed only by a full collection, and dozens
 * of them piled up between two (60–100 MB more peak memory on a million rows).
 */
const PIECE_BYTES = 64 * 1024;
/** An open record longer than this goes to csv-parse: re-scanning it on every chunk would be quadratic. */
const PENDING_LIMIT = 1 << 20;

export class CsvRecordReader {
  /** Decoded text not yet split: the start of an incomplete record. */
  private pending = '';
  /** Bytes of a character cut by the chunk boundary. */
  private partial: Buffer | undefined;
  private started = false;
  private parser: Parser | undefined;
  /**
   * Records up to this many UTF-16 units are split here. csv-parse measures a record partly in
   * bytes, up to 3 per unit: a longer one may be over its limit, so csv-parse judges it.
   */
  private readonly fastLimit: number;

  constructor(
    private readonly onRecord: OnRecord,
    private readonly options: CsvRecordOptions,
  ) {
    this.fastLimit = Math.floor(options.maxRecordSize / 3);
  }

  /** csv-parse's error, once the text was handed to it and it failed. */
  get errored(): (Error & { code?: string; column?: unknown }) | null {
    return (this.parser?.errored as (Error & { code?: string; column?: unknown }) | null | undefined) ?? null;
  }

  /** Feeds bytes (UTF-8, already checked by the caller). */
  write(buf: Buffer): void {
    for (let offset = 0; offset < buf.length && !this.errored; offset += PIECE_BYTES) this.writePiece(buf.subarray(offset, offset + PIECE_BYTES));
  }

  private writePiece(buf: Buffer): void {
    if (this.parser) {
      this.parser.write(buf);
      return;
    }
    const joined = this.partial ? Buffer.concat([this.partial, buf]) : buf;
    const end = utf8CompleteEnd(joined);
    this.partial = end === joined.length ? undefined : Buffer.from(joined.subarray(end));
    let text = joined.toString('utf8', 0, end);
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.feed(this.pending.length > 0 ? this.pending + text : text, false);
  }

  /** No more bytes: the last record, or csv-parse's verdict on the rest. */
  async end(): Promise<void> {
    if (!this.parser) {
      if (this.partial) this.handOff(this.pending, 0); // an incomplete character: csv-parse judges it
      else this.feed(this.pending, true);
    }
    const parser = this.parser;
    if (!parser || parser.errored) return;
    await new Promise<void>((resolve) => {
      parser.once('close', resolve);
      parser.once('finish', resolve);
      parser.once('error', () => resolve());
      parser.end();
    });
  }

  destroy(): void {
    this.parser?.destroy();
  }

  private feed(text: string, final: boolean): void {
    const pos = this.split(text, final);
    if (pos < 0) return;
    if (text.length - pos > Math.min(this.fastLimit, PENDING_LIMIT)) {
      // One long record, still open: csv-parse reads it (or reports it) in bounded memory.
      this.handOff(text, pos);
      return;
    }
    this.pending = pos === 0 ? text : text.slice(pos);
  }

  /**
   * Emits the complete records of `text`; returns where the incomplete rest starts, or -1 when
   * the text from some record on was handed to csv-parse.
   */
  private split(text: string, final: boolean): number {
    const len = text.length;
    const max = this.fastLimit;
    let nextCr = -1;
    let nextQuote = -1;
    let pos = 0;
    while (pos < len) {
      let lf = text.indexOf('\n', pos);
      if (lf < 0) lf = len;
      if (nextCr < pos) {
        nextCr = text.indexOf('\r', pos);
        if (nextCr < 0) nextCr = len;
      }
      const eol = lf < nextCr ? lf : nextCr;
      if (nextQuote < pos) {
        nextQuote = text.indexOf('"', pos);
        if (nextQuote < 0) nextQuote = len;
      }
      if (nextQuote < eol) {
        // Quoted fields: field by field; they may hold delimiters and line breaks.
        const next = this.quotedRecord(text, pos, final);
        if (next === BAIL) {
          this.handOff(text, pos);
          return BAIL;
        }
        if (next === pos) return pos; // incomplete
        pos = next;
        continue;
      }
      if (eol === len && !final) return pos;
      // A lone \r at the end of the text may be the first half of \r\n.
      if (eol === len - 1 && eol === nextCr && !final) return pos;
      if (eol - pos > max) {
        this.handOff(text, pos);
        return BAIL;
      }
      this.onRecord(text.slice(pos, eol).split(','), 0);
      pos = eol + 1;
      if (eol === nextCr && text.charCodeAt(pos) === LF) pos++;
    }
    return pos;
  }

  /**
   * One record with quoted fields, from `pos`: the position after it, `pos` itself when the
   * text ends before it does, or BAIL for anything csv-parse would reject or treat specially.
   */
  private quotedRecord(text: string, pos: number, final: boolean): number {
    const len = text.length;
    const fields: string[] = [];
    let i = pos;
    for (;;) {
      let value: string;
      if (text.charCodeAt(i) === QUOTE) {
        let from = i + 1;
        value = '';
        for (;;) {
          const q = text.indexOf('"', from);
          if (q < 0) return final ? BAIL : pos;
          if (q + 1 === len && !final) return pos; // `""` or the end of the field: not yet known
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(from, q + 1);
            from = q + 2;
            continue;
          }
          value += text.slice(from, q);
          i = q + 1;
          break;
        }
      } else {
        let j = i;
        for (; j < len; j++) {
          const ch = text.charCodeAt(j);
          if (ch === COMMA || ch === LF || ch === CR) break;
          if (ch === QUOTE) return BAIL;
        }
        value = text.slice(i, j);
        i = j;
      }
      if (i - pos > this.fastLimit) return BAIL;
      fields.push(value);
      if (i === len) {
        if (!final) return pos;
        this.onRecord(fields);
        return len;
      }
      const ch = text.charCodeAt(i);
      if (ch === COMMA) {
        i++;
        continue;
      }
      if (ch === LF) {
        this.onRecord(fields);
        return i + 1;
      }
      if (ch === CR) {
        if (i + 1 === len && !final) return pos;
        this.onRecord(fields);
        return text.charCodeAt(i + 1) === LF ? i + 2 : i + 1;
      }
      return BAIL; // text after a closing quote
    }
  }

  /** From `text[pos]` on, and for every later write, csv-parse does the reading. */
  private handOff(text: string, pos: number): void {
    this.pending = '';
    const parser = new (csvParser())({
      bom: false, // a BOM is taken off the start of the file above; one later on is data
      relax_column_count: true,
      skip_empty_lines: false,
      record_delimiter: ['\r\n', '\n', '\r'],
      max_record_size: this.options.maxRecordSize,
    });
    // Records are taken as the parser pushes them, synchronously inside write(): nothing is
    // buffered on the readable side, so a parse error cannot drop records already parsed, and
    // there is no per-record `info` object (csv-parse's `on_record` builds one).
    const pushEnd = parser.push.bind(parser);
    parser.push = (record: unknown): boolean => {
      if (record === null) return pushEnd(null);
      this.onRecord(record as string[]);
      return true;
    };
    parser.on('error', () => {}); // read through `errored`
    parser.resume();
    this.parser = parser;
    if (pos < text.length) parser.write(Buffer.from(pos === 0 ? text : text.slice(pos), 'utf8'));
    if (this.partial) {
      parser.write(this.partial);
      this.partial = undefined;
    }
  }
}
