import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/ledger/event.js';
import { emptyLedgerState } from '../../src/ledger/replay.js';
import { REPORT_COLUMNS, reportRows, unresolvedRows } from '../../src/report/rows.js';
import { toJson } from '../../src/report/json.js';

const at = '2026-11-01T00:00:00.000Z';
const e = (f: Partial<LedgerEvent> & Pick<LedgerEvent, 'event' | 'key'>): LedgerEvent => ({
  at, run: 'r', kind: 'community', ...f,
});

function state() {
  const s = emptyLedgerState();
  for (const ev of [
    e({ key: 'ok', event: 'attempt' }),
    e({ key: 'ok', event: 'created', community_id: 'C1', share_url: 'https://s/ok' }),
    e({ key: 'had', event: 'exists', status: 409, code: 'TAKEN' }),
    e({ key: 'own', event: 'adopted', community_id: 'C3' }),
    e({ key: 'bad', event: 'attempt' }),
    e({ key: 'bad', event: 'failed', status: 422, code: 'INVALID', message: 'name too long' }),
    e({ key: 'maybe', event: 'in_doubt', message: 'socket hang up' }),
    e({ key: 'died', event: 'attempt' }),
    e({ kind: 'group', key: 'ok/g', event: 'created', community_id: 'C1', chat_id: 'K', group_id: 'G' }),
  ]) s.apply(ev);
  return s;
}

describe('reportRows', () => {
  it('gives one row per item with every column, nulls for missing values', () => {
    const rows = [...reportRows(state())];
    expect(rows.map((r) => [r.key, r.status])).toEqual([
      ['ok', 'created'], ['had', 'exists'], ['own', 'adopted'], ['bad', 'failed'], ['maybe', 'in_doubt'],
      ['died', 'in_flight'], ['ok/g', 'created'],
    ]);
    for (const r of rows) expect(Object.keys(r)).toEqual([...REPORT_COLUMNS]);
    expect(rows[0]).toEqual({
      kind: 'community', key: 'ok', status: 'created', community_id: 'C1', chat_id: null, group_id: null,
      share_url: 'https://s/ok', error_code: null, error_message: null, attempts: 1, updated_at: at,
    });
    expect(rows[3]).toMatchObject({ error_code: 'INVALID', error_message: 'name too long', attempts: 1 });
    expect(rows[6]).toMatchObject({ kind: 'group', chat_id: 'K', group_id: 'G' });
  });

  it('--failed keeps failed, in doubt and in flight', () => {
    expect([...unresolvedRows(reportRows(state()))].map((r) => r.key)).toEqual(['bad', 'maybe', 'died']);
  });

  it('an item re-attempted after failing reports in_flight', () => {
    const s = emptyLedgerState();
    s.apply(e({ key: 'x', event: 'failed' }));
    s.apply(e({ key: 'x', event: 'attempt' }));
    expect([...reportRows(s)][0]?.status).toBe('in_flight');
  });
});

describe('toJson', () => {
  it('is an array of row objects', () => {
    const rows = [...reportRows(state())];
    expect(JSON.parse(toJson(rows))).toEqual(rows);
    expect(JSON.parse(toJson([]))).toEqual([]);
  });
});
