// The csv-spectrum edge cases (quotes, commas and newlines in cells, CRLF, empty quoted cells,
// UTF-8, no final newline), read through our loader byte for byte: each spectrum file keeps its
// rows as they are, gets our column names in its header and a handle cell appended to each
// record, and every value loaded must equal csv-spectrum's own JSON for that cell.
//
// One deliberate difference: location_coordinates has bare quotes inside unquoted cells
// (37°36'37.8"N), which csv-spectrum reads literally. We refuse them (RFC 4180 does too): the
// same leniency would read `c1, "Doe, John"` (a space before the quote) as two broken cells
// instead of saying where the quoting went wrong.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

import type { CommunityEntry } from '../../src/manifest/entry.js';
import { loadManifests } from '../../src/manifest/load.js';
import { runCli, tempDir } from '../helpers/cli.js';

const SPECTRUM = dirname(createRequire(import.meta.url).resolve('csv-spectrum/package.json'));
const CASES = new URL('./cases/', import.meta.url).pathname;

/** Text fields a spectrum column becomes, in order (spectrum files have up to five columns). */
const TEXT_COLUMNS = ['name', 'description', 'tags', 'dp', 'banner'];
const DEFAULT_NAME = '(no name)';
const DEFAULTS_YAML = `version: 1\ndefaults:\n  community: { type: 1, actions: [], name: "${DEFAULT_NAME}" }\n`;

/** Spectrum files we refuse on purpose, with the exact fault (see the header comment). */
const REFUSED: Record<string, string> = {
  location_coordinates:
    'location_coordinates.csv:2:2: csv: a quote in the middle of an unquoted field: quote the whole field ("…") and write inner quotes as ""',
};

interface RecordSpan {
  /** Offset just past the record's last cell (where a cell can be appended). */
  end: number;
  /** 1-based physical line where the record starts. */
  line: number;
}

/**
 * Where each record of an RFC 4180 text ends: a line break outside quotes. Deliberately not
 * csv-parse (that is what is under test); the spectrum files are small and well-formed.
 */
function recordSpans(text: string): RecordSpan[] {
  const spans: RecordSpan[] = [];
  let inQuotes = false;
  let line = 1;
  let startLine = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') inQuotes = !inQuotes;
    else if ((ch === '\n' || ch === '\r') && !inQuotes) {
      spans.push({ end: i, line: startLine });
      if (ch === '\r' && text[i + 1] === '\n') i++;
      line++;
      startLine = line;
      continue;
    }
    if (ch === '\n') line++;
  }
  if (text.length > 0 && !/[\r\n]$/.test(text)) spans.push({ end: text.length, line: startLine });
  return spans;
}

interface Wrapped {
  name: string;
  csv: string;
  /** Per data record: the handle given, its start line, and the values csv-spectrum expects by our column. */
  rows: { handle: string; line: number; values: Record<string, string> }[];
}

/** A spectrum file as a community CSV: our header, its rows untouched, a handle cell appended. */
function wrap(name: string): Wrapped {
  const text = readFileSync(join(SPECTRUM, 'csvs', `${name}.csv`), 'utf8');
  const json = JSON.parse(readFileSync(join(SPECTRUM, 'json', `${name}.json`), 'utf8')) as unknown;
  const expected = (Array.isArray(json) ? json : [json]) as Record<string, string>[];
  const spans = recordSpans(text);
  const [header, ...data] = spans;
  const spectrumColumns = text.slice(0, header.end).split(',');
  expect(spectrumColumns.length).toBeLessThanOrEqual(TEXT_COLUMNS.length);
  expect(data).toHaveLength(expected.length);

  let out = [...TEXT_COLUMNS.slice(0, spectrumColumns.length), 'handle'].join(',');
  let from = header.end;
  const rows: Wrapped['rows'] = [];
  data.forEach((span, i) => {
    const handle = `${name}-${i + 1}`;
    out += `${text.slice(from, span.end)},${handle}`;
    from = span.end;
    const source = expected[i];
    const values: Record<string, string> = {};
    spectrumColumns.forEach((col, j) => (values[TEXT_COLUMNS[j]] = source[col]));
    rows.push({ handle, line: span.line, values });
  });
  out += text.slice(from);
  return { name, csv: out, rows };
}

const names = readdirSync(join(SPECTRUM, 'csvs'))
  .filter((f) => f.endsWith('.csv'))
  .map((f) => f.slice(0, -4))
  .sort();

describe('csv-spectrum: every edge case loads the values csv-spectrum says', () => {
  const dir = tempDir('genuin-spectrum-');
  writeFileSync(join(dir, 'defaults.yaml'), DEFAULTS_YAML);
  const wrapped = names.map(wrap);
  for (const w of wrapped) writeFileSync(join(dir, `${w.name}.csv`), w.csv);

  const accepted = wrapped.filter((w) => REFUSED[w.name] === undefined);

  it.each(accepted.map((w) => [w.name, w] as const))('%s', async (_name, w) => {
    const { entries } = await loadManifests([join(dir, 'defaults.yaml'), join(dir, `${w.name}.csv`)]);
    const communities = entries as CommunityEntry[];
    expect(communities.map((e) => e.handle)).toEqual(w.rows.map((r) => r.handle));
    communities.forEach((entry, i) => {
      const row = w.rows[i];
      expect(entry.pos.line, `${w.name} record ${i + 1}: start line`).toBe(row.line);
      for (const [column, value] of Object.entries(row.values)) {
        // An empty cell means "not given": the default name applies, other fields stay absent.
        const want = value.trim() === '' ? (column === 'name' ? DEFAULT_NAME : undefined) : value;
        expect((entry.body as Record<string, unknown>)[column], `${w.name} record ${i + 1}: ${column}`).toBe(want);
      }
    });
  });

  it('all the accepted ones together through the built CLI: valid, exit 0', async () => {
    const total = accepted.reduce((n, w) => n + w.rows.length, 0);
    const r = await runCli(['validate', 'defaults.yaml', ...accepted.map((w) => `${w.name}.csv`)], { cwd: dir });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toBe(`valid: ${accepted.length + 1} files, ${total} communities, 0 groups\n`);
    console.log(`csv-spectrum: ${accepted.length} files, ${total} records checked cell by cell; ${Object.keys(REFUSED).length} refused on purpose`);
  });

  it.each(Object.entries(REFUSED))('%s is refused with a file:line fault (bare quotes in an unquoted cell)', async (name, line) => {
    const r = await runCli(['validate', 'defaults.yaml', `${name}.csv`], { cwd: dir });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: `${line}\nerror: 1 manifest error; nothing was sent\n` });
  });
});

describe('valid spreadsheet exports load the values the spreadsheet shows', () => {
  const bodies = async (file: string) =>
    ((await loadManifests([join(CASES, file)])).entries as CommunityEntry[]).map((e) => ({ line: e.pos.line, ...e.body }));

  it('Excel CSV UTF-8: the BOM is not part of the first column name, CRLF is not part of the last cell', async () => {
    expect(await bodies('excel-bom-crlf.csv')).toEqual([
      { line: 2, handle: 'brand-a', name: 'Brand A', type: 1, actions: [{ action_id: 3, access_type_id: 5 }] },
      { line: 3, handle: 'brand-b', name: 'Brand B', type: 1, actions: [{ action_id: 3, access_type_id: 5 }, { action_id: 5, access_type_id: 9 }] },
    ]);
  });

  it('old Mac Excel (CR line ends), the sep=, line, trailing empty columns and rows', async () => {
    const two = [
      { handle: 'brand-a', name: 'Brand A', type: 1, actions: [{ action_id: 3, access_type_id: 5 }] },
      { handle: 'brand-b', name: 'Brand B', type: 1, actions: [{ action_id: 3, access_type_id: 5 }] },
    ];
    expect((await bodies('excel-mac-cr.csv')).map(({ line: _, ...b }) => b)).toEqual(two);
    expect((await bodies('excel-trailing-empty-columns.csv')).map(({ line: _, ...b }) => b)).toEqual(two);
    expect(await bodies('excel-sep-line.csv')).toEqual([{ line: 3, ...two[0] }]);
  });

  it('Google Sheets: a multi-line cell keeps its newlines, commas and quotes; the next row has its own line', async () => {
    expect(await bodies('sheets-quoted-newlines.csv')).toEqual([
      { line: 2, handle: 'brand-a', name: 'Brand A', type: 1, actions: [{ action_id: 3, access_type_id: 5 }], description: 'First line\nsecond line, with a comma\nand "quotes"' },
      { line: 5, handle: 'brand-b', name: 'Brand B', type: 1, actions: [{ action_id: 3, access_type_id: 5 }], description: 'plain' },
    ]);
  });
});
