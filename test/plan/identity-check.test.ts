// The identity checks on a built plan (plan/identity-check.ts) and the ledger move they lead to
// (ledger/move.ts), from ledger lines and manifests on disk: the pieces under the CLI tests.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManifestError } from '../../src/errors.js';
import { compactLines } from '../../src/ledger/compact.js';
import type { LedgerEvent } from '../../src/ledger/event.js';
import { isMovedAway, moveLines } from '../../src/ledger/move.js';
import { emptyLedgerState, type LedgerState } from '../../src/ledger/replay.js';
import { makePlan } from '../../src/pipeline/make-plan.js';
import { tempDir } from '../helpers/cli.js';

const HEAD = 'version: 1\ndefaults:\n  community: { type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }\n  group: { type: 4 }\n';
const at = '2026-11-30T00:00:00.000Z';

function ledgerOf(lines: Omit<LedgerEvent, 'at' | 'run'>[]): LedgerState {
  const state = emptyLedgerState();
  for (const l of lines) state.apply({ at, run: 'r1', ...l } as LedgerEvent);
  return state;
}

const BRAND = { kind: 'community', key: 'brand', event: 'created', community_id: 'c-1' } as const;

async function planOf(yaml: string, ledger: LedgerState) {
  const file = join(tempDir(), 'm.yaml');
  writeFileSync(file, `${HEAD}${yaml}`);
  return makePlan([file], { ledger, keepBodies: false });
}

async function refusal(yaml: string, ledger: LedgerState): Promise<string[]> {
  const error = await planOf(yaml, ledger).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ManifestError);
  return (error as ManifestError).faults.map((f) => `${f.line} ${f.field}: ${f.message}`);
}

describe('groups new to the ledger', () => {
  const one = (group: string) => `communities:\n  - handle: brand\n    name: Brand\n    groups:\n${group}`;

  it.each([
    ['a key added', '      - key: music\n        group: { name: Music }\n', [{ kind: 'group', key: 'brand/Music', event: 'created', chat_id: 'x1' }], 'brand/Music'],
    ['a key changed (name recorded)', '      - key: k2\n        group: { name: Music }\n', [{ kind: 'group', key: 'brand/k1', event: 'created', chat_id: 'x1', name: 'Music' }], 'brand/k1'],
    ['the key removed', '      - group: { name: Music }\n', [{ kind: 'group', key: 'brand/k1', event: 'created', chat_id: 'x1', name: 'Music' }], 'brand/k1'],
    ['in doubt under the old key', '      - key: music\n        group: { name: Music }\n', [{ kind: 'group', key: 'brand/Music', event: 'attempt', chat_id: 'x1' }, { kind: 'group', key: 'brand/Music', event: 'in_doubt', status: 502 }], 'brand/Music'],
    ['under the parent id', '      - key: music\n        group: { name: Music }\n', [{ kind: 'group', key: 'c-1/Music', event: 'created', chat_id: 'x1' }], 'c-1/Music'],
  ] as const)('%s: refused, naming the ledger item and both ways out', async (_what, group, lines, held) => {
    const faults = await refusal(one(group), ledgerOf([BRAND, ...(lines as unknown as Omit<LedgerEvent, 'at' | 'run'>[])]));
    expect(faults).toHaveLength(1);
    expect(faults[0]).toMatch(new RegExp(`^9 key: .*${held.replace('/', '\\/')}.*moved_from.*new_group: true`));
  });

  it('is not refused when the old item is still named, was abandoned, or has another name', async () => {
    const ledger = ledgerOf([BRAND, { kind: 'group', key: 'brand/Music', event: 'created' }, { kind: 'group', key: 'brand/Gone', event: 'abandoned' }]);
    const { plan } = await planOf(one('      - group: { name: Music }\n      - key: music2\n        group: { name: Music }\n      - key: gone2\n        group: { name: Gone }\n      - group: { name: Other }\n'), ledger);
    expect(plan.counts.create.group).toBe(3);
  });

  it('moved_from: the plan skips the group as its old item, and the move replays to the same state', async () => {
    const ledger = ledgerOf([
      BRAND,
      { kind: 'group', key: 'brand/Music', event: 'attempt', chat_id: 'x1', hash: 'h' },
      { kind: 'group', key: 'brand/Music', event: 'created', chat_id: 'x1', group_id: 'g1', hash: 'h' },
    ]);
    const { plan } = await planOf(one('      - key: music\n        moved_from: Music\n        group: { name: Music }\n'), ledger);
    const g = plan.items.find((i) => i.kind === 'group')!;
    expect(g).toMatchObject({ key: 'brand/music', action: 'skip', done: 'created', movedFrom: 'brand/Music' });
    expect(plan.counts).toMatchObject({ moved: 1, dropped: 0 });

    for (const line of moveLines(ledger.get('group', 'brand/Music')!, 'brand/music', 'r2', new Date(at))) ledger.apply(line);
    const moved = ledger.get('group', 'brand/music')!;
    expect(moved).toMatchObject({ status: 'created', chat_id: 'x1', group_id: 'g1', hash: 'h', attempts: 1 });
    expect(isMovedAway(ledger.get('group', 'brand/Music')!)).toBe(true);
    // The next plan, without the field: found under its new key; the old one is not "dropped".
    const again = await planOf(one('      - key: music\n        group: { name: Music }\n'), ledger);
    expect(again.plan.counts).toMatchObject({ skip: 2, dropped: 0, moved: 0 });
  });

  it('moved_from naming nothing, or an item another entry still names, is refused', async () => {
    const ledger = ledgerOf([BRAND, { kind: 'group', key: 'brand/Music', event: 'created' }]);
    expect(await refusal(one('      - key: music\n        moved_from: Musik\n        group: { name: Music }\n      - group: { name: Talk2 }\n'), ledger)).toEqual([
      expect.stringMatching(/^9 moved_from: the ledger holds no group "Musik"/),
    ]);
    expect(await refusal(one('      - key: music\n        moved_from: Music\n        group: { name: Music }\n      - group: { name: Music }\n'), ledger)).toEqual([
      expect.stringMatching(/^9 moved_from: moves group brand\/Music to brand\/music, but the entry at .*:12 still names brand\/Music/),
    ]);
  });
});

describe('dropped items', () => {
  it('are the ledger items these manifests do not name; a parent named by a group counts as named', async () => {
    const ledger = ledgerOf([
      BRAND,
      { kind: 'community', key: 'old', event: 'created', community_id: 'c-2' },
      { kind: 'group', key: 'brand/Talk', event: 'created' },
      { kind: 'group', key: 'brand/Gone', event: 'failed', status: 400 },
      { kind: 'group', key: 'old/X', event: 'attempt' },
    ]);
    const { plan } = await planOf('groups:\n  - community_handle: brand\n    group: { name: Talk }\n', ledger);
    expect(plan.dropped).toEqual([
      { kind: 'community', key: 'old', status: 'created' },
      { kind: 'group', key: 'brand/Gone', status: 'failed' },
      { kind: 'group', key: 'old/X', status: 'in_flight' },
    ]);
    expect(plan.counts.dropped).toBe(3);
    expect(plan.items.every((i) => i.action === 'skip')).toBe(true);
  });
});

describe('the name a ledger line records', () => {
  it('survives compaction', () => {
    const ledger = ledgerOf([
      { kind: 'group', key: 'b/k1', event: 'attempt', name: 'Music', chat_id: 'x' },
      { kind: 'group', key: 'b/k1', event: 'created', name: 'Music', chat_id: 'x' },
      { kind: 'group', key: 'b/k2', event: 'attempt', name: 'Talk', chat_id: 'y' },
    ]);
    const again = emptyLedgerState();
    for (const s of ledger.items.values()) for (const l of compactLines(s)) again.apply(l);
    expect(again.get('group', 'b/k1')?.name).toBe('Music');
    expect(again.get('group', 'b/k2')?.name).toBe('Talk');
  });
});
