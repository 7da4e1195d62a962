// Which manifest items go into the error file, from the plan and a hand-written ledger: failed,
// in flight, in doubt, exists, and the groups waiting on any of them; never what is done or
// merely not started.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLedger } from '../../src/ledger/replay.js';
import { makePlan } from '../../src/pipeline/make-plan.js';
import { failedItems } from '../../src/report/failed-items.js';
import { tempDir } from '../helpers/cli.js';
import { manifestRow } from '../../src/report/manifest-csv.js';

const MANIFEST = `version: 1
defaults:
  community: { type: 1, actions: [] }
  group: { type: 4 }
communities:
  - { handle: done, name: Done, groups: [{ group: { name: g-done } }, { group: { name: g-failed } }, { group: { name: g-doubt } }, { group: { name: g-flight } }] }
  - { handle: refused, name: Refused, groups: [{ group: { name: waits } }] }
  - { handle: crashed, name: Crashed, groups: [{ key: k, group: { name: also-waits } }] }
  - { handle: taken, name: Taken, groups: [{ group: { name: blocked } }] }
  - { handle: untouched, name: Untouched, groups: [{ group: { name: not-started } }] }
groups:
  - { community_id: cid-9, group: { name: by-id } }
`;

const line = (event: string, kind: string, key: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ at: '2026-11-25T00:00:00Z', run: 'r1', kind, key, event, ...extra });

describe('failedItems', () => {
  it('picks what needs a person, in manifest order, with a reason', async () => {
    const dir = tempDir();
    const manifest = join(dir, 'm.yaml');
    writeFileSync(manifest, MANIFEST);
    const ledgerPath = join(dir, 'ledger.jsonl');
    writeFileSync(
      ledgerPath,
      [
        line('created', 'community', 'done', { community_id: 'cid-1' }),
        line('created', 'group', 'done/g-done', { chat_id: 'x' }),
        line('failed', 'group', 'done/g-failed', { status: 400, message: 'bad payload' }),
        line('in_doubt', 'group', 'done/g-doubt', { code: 'ETIMEDOUT', message: 'timeout' }),
        line('attempt', 'group', 'done/g-flight', { attempt: 1 }),
        line('failed', 'community', 'refused', { status: 404, code: '5220', message: 'no category' }),
        line('attempt', 'community', 'crashed', { attempt: 1 }),
        line('exists', 'community', 'taken', { status: 500, code: '5216', message: 'exists' }),
        line('failed', 'group', 'cid-9/by-id', { status: 404, message: 'no community' }),
      ].join('\n') + '\n',
    );
    const ledger = await readLedger(ledgerPath);
    const { plan } = await makePlan([manifest], { ledger });
    const items = failedItems(plan, ledger);
    expect(items.map((f) => `${f.status} ${f.item.key}`)).toEqual([
      'failed done/g-failed',
      'in_doubt done/g-doubt',
      'in_flight done/g-flight',
      'failed refused',
      'blocked refused/waits',
      'in_flight crashed',
      'blocked crashed/k',
      'exists taken',
      'blocked taken/blocked',
      'failed cid-9/by-id',
    ]);
    expect(items.find((f) => f.item.key === 'refused')!.reason).toBe('HTTP 404 code 5220: no category');
    expect(items.find((f) => f.item.key === 'taken')!.reason).toMatch(/ledger resolve taken --community-id/);

    const rows = items.map((f) => manifestRow(f.item));
    expect(rows.find((r) => r.key === 'k')).toEqual({ kind: 'group', key: 'k', community_handle: 'crashed', body: { type: 4, group: { name: 'also-waits' } } });
    expect(rows.find((r) => r.key === 'by-id')).toEqual({ kind: 'group', key: 'by-id', community_id: 'cid-9', body: { type: 4, group: { name: 'by-id' } } });
    expect(rows.find((r) => r.body.handle === 'refused')).toEqual({ kind: 'community', body: { handle: 'refused', name: 'Refused', type: 1, actions: [] } });
  });
});
