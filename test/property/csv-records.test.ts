// The fast CSV record splitter (src/manifest/csv-records.ts) against csv-parse itself: for any
// text, cut into chunks anywhere (inside a quoted field, between \r and \n, inside a multi-byte
// character), the records, the error code and the error column are csv-parse's. Malformed text
// is the point: the splitter must hand exactly those records over to csv-parse, no more, no less.
import fc from 'fast-check';
import { Parser } from 'csv-parse';
import { afterAll, describe, expect, it } from 'vitest';

import { CsvRecordReader } from '../../src/manifest/csv-records.js';

const RUNS = Number(process.env.FC_RUNS ?? 400);
const seed = (fixed: number) => (process.env.FC_SEED ? Number(process.env.FC_SEED) + fixed : fixed);
const ran: Record<string, number> = {};
afterAll(() => console.log(`fast-check CSV records vs csv-parse: ${JSON.stringify(ran)}`));

interface Outcome {
  records: string[][];
  error?: { code: string | undefined; column: unknown };
}

async function withCsvParse(chunks: Buffer[], maxRecordSize: number): Promise<Outcome> {
  const records: string[][] = [];
  const parser = new Parser({
    bom: true,
    relax_column_count: true,
    skip_empty_lines: false,
    record_delimiter: ['\r\n', '\n', '\r'],
    max_record_size: maxRecordSize,
  });
  parser.on('data', (r: string[]) => records.push(r));
  const done = new Promise<void>((resolve) => {
    parser.on('end', resolve);
    parser.on('error', () => resolve());
  });
  for (const c of chunks) {
    if (parser.errored) break;
    parser.write(c);
  }
  if (!parser.errored) parser.end();
  await done;
  const err = parser.errored as (Error & { code?: string; column?: unknown }) | null;
  return err ? { records, error: { code: err.code, column: err.column } } : { records };
}

async function withReader(chunks: Buffer[], maxRecordSize: number): Promise<Outcome> {
  const records: string[][] = [];
  const reader = new CsvRecordReader((r) => records.push(r), { maxRecordSize });
  for (const c of chunks) {
    if (reader.errored) break;
    reader.write(c);
  }
  if (!reader.errored) await reader.end();
  const err = reader.errored;
  return err ? { records, error: { code: err.code, column: err.column } } : { records };
}

/** Cuts bytes at the given offsets (anywhere, even inside a character). */
function cut(bytes: Buffer, at: number[]): Buffer[] {
  const points = [...new Set(at.map((a) => a % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    if (p > from) out.push(bytes.subarray(from, p));
    from = Math.max(from, p);
  }
  if (from < bytes.length) out.push(bytes.subarray(from));
  return out;
}

// Text made of what matters to a CSV reader, heavy on quotes and line breaks.
const piece = fc.constantFrom('a', 'bc', ',', ',', '"', '"', '""', '\n', '\r', '\r\n', ' ', 'é', '😀', '\uFEFF', 'x y');
const csvText = fc.array(piece, { maxLength: 60 }).map((p) => p.join(''));
// Mostly well-formed records, some with a flaw: quoted fields with escapes and line breaks.
const field = fc.oneof(
  fc.constantFrom('', 'a', 'long text value', 'é😀'),
  fc.array(fc.constantFrom('a', ',', '""', '\n', '\r\n', ' '), { maxLength: 6 }).map((p) => `"${p.join('')}"`),
);
const record = fc.array(field, { minLength: 1, maxLength: 5 }).map((f) => f.join(','));
const wellFormed = fc
  .tuple(fc.array(record, { maxLength: 8 }), fc.constantFrom('\n', '\r\n', '\r'), fc.boolean(), fc.boolean())
  .map(([recs, eol, bom, trailing]) => (bom ? '\uFEFF' : '') + recs.join(eol) + (trailing ? eol : ''));
const flawed = fc
  .tuple(wellFormed, fc.nat(), fc.constantFrom('"', 'x"', '"a"b', '\r', '\n'))
  .map(([text, at, flaw]) => text.slice(0, at % (text.length + 1)) + flaw + text.slice(at % (text.length + 1)));
const cuts = fc.array(fc.nat({ max: 400 }), { maxLength: 8 });

function agree(name: string, texts: fc.Arbitrary<string>, maxRecordSize: fc.Arbitrary<number>, fixedSeed: number) {
  it(`${name}: the same records and the same error as csv-parse`, async () => {
    await fc.assert(
      fc.asyncProperty(texts, cuts, maxRecordSize, async (text, at, max) => {
        ran[name] = (ran[name] ?? 0) + 1;
        const chunks = cut(Buffer.from(text, 'utf8'), at);
        expect(await withReader(chunks, max)).toEqual(await withCsvParse(chunks, max));
      }),
      { numRuns: RUNS, seed: seed(fixedSeed) },
    );
  });
}

describe('CsvRecordReader agrees with csv-parse', () => {
  agree('random text', csvText, fc.constant(1 << 20), 1);
  agree('well-formed records', wellFormed, fc.constant(1 << 20), 2);
  agree('records with one flaw', flawed, fc.constant(1 << 20), 3);
  agree('records over a small size limit', fc.oneof(wellFormed, flawed), fc.integer({ min: 1, max: 24 }), 4);

  it('splits a clean file itself, without csv-parse', async () => {
    const text = 'handle,name\r\nc1,"One, with a comma"\nc2,"two\nlines"\rc3,"say ""hi"""\n';
    const records: string[][] = [];
    const reader = new CsvRecordReader((r) => records.push(r), { maxRecordSize: 1 << 20 });
    for (const c of cut(Buffer.from(text), [3, 17, 30, 31, 44])) reader.write(c);
    await reader.end();
    expect(records).toEqual([
      ['handle', 'name'],
      ['c1', 'One, with a comma'],
      ['c2', 'two\nlines'],
      ['c3', 'say "hi"'],
    ]);
    expect((reader as unknown as { parser?: unknown }).parser).toBeUndefined();
  });
});
