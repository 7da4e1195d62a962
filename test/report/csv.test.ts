import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../src/report/csv.js';
import { REPORT_COLUMNS, type ReportRow } from '../../src/report/rows.js';

const row = (over: Partial<ReportRow>): ReportRow => ({
  kind: 'community', key: 'k', status: 'created', community_id: null, chat_id: null, group_id: null, share_url: null,
  error_code: null, error_message: null, attempts: 1, updated_at: '2026-11-01T00:00:00.000Z', ...over,
});

describe('csvCell', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['=SUM(A1:A2)', "'=SUM(A1:A2)"],
    ['+1', "'+1"],
    ['-2', "'-2"],
    ['@cmd', "'@cmd"],
    ['\tx', "'\tx"],
    ['\rx', `"'\rx"`],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['', ''],
    [null, ''],
    [3, '3'],
  ] as const)('%j -> %j', (input, out) => {
    expect(csvCell(input)).toBe(out);
  });
});

describe('toCsv', () => {
  const rows = [
    row({ key: 'simple', community_id: 'C1' }),
    row({ key: 'g/1', kind: 'group', status: 'failed', error_code: 'INVALID', error_message: 'bad "name", really\r\nsee docs' }),
    row({ key: '=cmd|" /C calc"!A0', status: 'in_flight', error_message: '@SUM(1+1)', attempts: 3 }),
    row({ key: 'ünïcödé 😀', share_url: 'https://x/y?a=1,b=2' }),
  ];

  it('writes CRLF lines with the header from REPORT_COLUMNS', () => {
    const text = toCsv(rows);
    expect(text.startsWith(REPORT_COLUMNS.join(',') + '\r\n')).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.charCodeAt(0)).not.toBe(0xfeff);
  });

  it('round-trips through csv-parse, formulas neutralised with a leading apostrophe', () => {
    const parsed = parse(toCsv(rows, { bom: true }), { bom: true, columns: true }) as Record<string, string>[];
    expect(Object.keys(parsed[0]!)).toEqual([...REPORT_COLUMNS]);
    const expected = rows.map((r) =>
      Object.fromEntries(
        REPORT_COLUMNS.map((c) => {
          const v = r[c];
          if (v === null) return [c, ''];
          if (typeof v === 'number') return [c, String(v)];
          return [c, /^[=+\-@\t\r]/.test(v) ? `'${v}` : v];
        }),
      ),
    );
    expect(parsed).toEqual(expected);
    expect(parsed[2]!.key).toBe(`'=cmd|" /C calc"!A0`);
    expect(parsed[1]!.error_message).toBe('bad "name", really\r\nsee docs');
  });

  it('starts with a UTF-8 BOM when asked', () => {
    const bytes = Buffer.from(toCsv(rows, { bom: true }), 'utf8');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it('writes only the header for no rows', () => {
    expect(toCsv([])).toBe(REPORT_COLUMNS.join(',') + '\r\n');
  });
});
