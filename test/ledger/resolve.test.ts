// The rules of `ledger resolve`: which verdict applies to which state (table-driven), and the
// append itself: under the lock, after repairing a torn tail, never onto a torn fragment.
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ConfigError, LedgerError } from '../../src/errors.js';
import { emptyLedgerState, readLedger } from '../../src/ledger/replay.js';
import { acquireLock } from '../../src/ledger/lock.js';
import { compactLedger } from '../../src/ledger/compact.js';
import { refusal, resolveItem, type Resolution } from '../../src/ledger/resolve.js';
import { historyLine, itemHistory } from '../../src/ledger/show.js';
import type { LedgerEvent } from '../../src/ledger/event.js';
import { ev, lines, tempLedger } from './helpers.js';

/** The state one item is in after these lines. */
function stateAfter(...events: LedgerEvent[]) {
  const s = emptyLedgerState();
  let last;
  for (const e of events) last = s.apply(e);
  return last!;
}

const g = (f: Partial<LedgerEvent> & Pick<LedgerEvent, 'event'>) => ev({ kind: 'group', key: 'a/g', ...f });
const c = (f: Partial<LedgerEvent> & Pick<LedgerEvent, 'event'>) => ev({ kind: 'community', key: 'a', ...f });

const CREATED: Resolution = { action: 'created' };
const ABSENT: Resolution = { action: 'absent' };
const ADOPT: Resolution = { action: 'adopt', communityId: 'C9' };
const ABANDON: Resolution = { action: 'abandon', reason: 'why' };

describe('refusal: which verdict applies to which state', () => {
  const groupStates = {
    'in doubt': [g({ event: 'attempt', chat_id: 'K1' }), g({ event: 'in_doubt', status: 502 })],
    'in flight': [g({ event: 'attempt', chat_id: 'K1' })],
    created: [g({ event: 'attempt' }), g({ event: 'created', chat_id: 'K1', group_id: 'G1' })],
    failed: [g({ event: 'attempt' }), g({ event: 'failed', status: 412, code: '5166', message: 'no' })],
    absent: [g({ event: 'in_doubt' }), g({ event: 'absent' })],
    abandoned: [g({ event: 'failed' }), g({ event: 'abandoned', message: 'gone' })],
  };
  it.each([
    ['in doubt', CREATED, undefined],
    ['in doubt', ABSENT, undefined],
    ['in doubt', ABANDON, undefined],
    ['in doubt', ADOPT, /--community-id is for a community/],
    ['in flight', CREATED, undefined],
    ['in flight', ABSENT, undefined],
    ['created', CREATED, /^group a\/g is created \(chat_id K1, group_id G1\), not in doubt: nothing to resolve$/],
    ['created', ABSENT, /is created .*not in doubt/],
    ['created', ABANDON, /it exists with a known id, nothing to abandon/],
    ['failed', CREATED, /^group a\/g is failed \(HTTP 412 code 5166: no\), not in doubt/],
    ['failed', ABANDON, undefined],
    ['absent', CREATED, /is marked absent by a person .*not in doubt/],
    ['absent', ABANDON, undefined],
    ['abandoned', ABSENT, /is abandoned by a person \(gone\), not in doubt/],
    ['abandoned', ABANDON, /already abandoned/],
  ] as const)('group %s + %o', (name, resolution, want) => {
    const s = stateAfter(...groupStates[name]);
    const got = refusal('group', 'a/g', s, resolution);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(want);
  });

  const communityStates = {
    exists: [c({ event: 'attempt' }), c({ event: 'exists', status: 409, code: '5216' })],
    created: [c({ event: 'created', community_id: 'C1' })],
    adopted: [c({ event: 'adopted', community_id: 'C1' })],
    failed: [c({ event: 'failed', status: 404, code: '5220', message: 'category' })],
    'in flight': [c({ event: 'attempt' })],
    'in doubt': [c({ event: 'attempt' }), c({ event: 'in_doubt', status: 502 })],
  };
  it.each([
    ['exists', ADOPT, undefined],
    ['exists', ABANDON, undefined],
    ['exists', CREATED, /^community a is exists on the server with an id the ledger does not know: --created is for groups in doubt/],
    ['exists', ABSENT, /--absent is for groups in doubt/],
    ['created', ADOPT, /^community a is created \(community_id C1\), not "exists"/],
    ['adopted', ABANDON, /is adopted \(community_id C1\): it exists with a known id/],
    ['failed', ADOPT, /is failed \(HTTP 404 code 5220: category\), not "exists"/],
    ['failed', ABANDON, undefined],
    // Its answer was lost (or its run died): it may exist, and a person who found it may adopt it.
    ['in flight', ADOPT, undefined],
    ['in doubt', ADOPT, undefined],
    ['in flight', ABANDON, undefined],
  ] as const)('community %s + %o', (name, resolution, want) => {
    const s = stateAfter(...communityStates[name]);
    const got = refusal('community', 'a', s, resolution);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(want);
  });
});

describe('resolveItem: the append', () => {
  it('repairs a torn last line first, so the verdict is not glued onto it and replays', async () => {
    const path = await tempLedger();
    await writeFile(path, lines(g({ event: 'attempt', attempt: 1, chat_id: 'K7' }), g({ event: 'in_doubt', status: 504 })) + '{"at":"2026-11-01T00:00:09.000Z","run":"r","kind":"gro');
    const done = await resolveItem(path, 'a/g', CREATED);
    expect(done.line).toMatchObject({ event: 'created', chat_id: 'K7', by: 'ledger resolve' });
    const state = await readLedger(path);
    expect(state.get('group', 'a/g')).toMatchObject({ status: 'created', chat_id: 'K7' });
    expect(state.torn).toHaveLength(1);
    const text = await readFile(path, 'utf8');
    expect(text.endsWith(JSON.stringify(done.line) + '\n')).toBe(true);
  });

  it('waits for no one: a ledger held by a run is refused (exit 3), and nothing is written', async () => {
    const path = await tempLedger();
    await writeFile(path, lines(g({ event: 'in_doubt' })));
    const lock = await acquireLock(path);
    try {
      const before = await readFile(path, 'utf8');
      await expect(resolveItem(path, 'a/g', ABSENT)).rejects.toThrow(LedgerError);
      expect(await readFile(path, 'utf8')).toBe(before);
    } finally {
      await lock.release();
    }
  });

  it('refuses with a ConfigError naming the state, and an old ledger without a sent chat_id asks for one', async () => {
    const path = await tempLedger();
    await writeFile(path, lines(g({ event: 'attempt' }), g({ event: 'in_doubt' }), c({ event: 'created', community_id: 'C1' })));
    await expect(resolveItem(path, 'a', ADOPT)).rejects.toThrow(/^community a is created \(community_id C1\), not "exists"/);
    const err = await resolveItem(path, 'a/g', CREATED).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/holds no chat_id sent for it .*--created <chat_id>/);
    await expect(resolveItem(path, 'a/g', { action: 'created', chatId: 'K2' })).resolves.toMatchObject({ line: { chat_id: 'K2' } });
  });

  it('infers the kind, and asks for --kind when the key names both', async () => {
    const path = await tempLedger();
    await writeFile(path, lines(c({ key: 'x', event: 'failed' }), ev({ kind: 'group', key: 'x', event: 'failed' })));
    await expect(resolveItem(path, 'x', ABANDON)).rejects.toThrow(/both a community and a group .*--kind/);
    await expect(resolveItem(path, 'x', ABANDON, { kind: 'group' })).resolves.toMatchObject({ kind: 'group', line: { event: 'abandoned', message: 'why' } });
    const history = await itemHistory(path, 'x');
    expect(history.map((e) => `${e.kind} ${e.event}`)).toEqual(['community failed', 'group failed', 'group abandoned']);
    expect(historyLine(history[2]!)).toMatch(/abandoned +reason: why {2}run resolve-\S+ {2}by ledger resolve$/);
  });

  it('verdicts survive compaction (absent stays absent, abandoned keeps its reason)', async () => {
    const path = await tempLedger();
    await writeFile(path, lines(c({ event: 'failed', status: 412 }), g({ event: 'in_doubt' })));
    await resolveItem(path, 'a', ABANDON);
    await resolveItem(path, 'a/g', ABSENT);
    await compactLedger(path);
    const s = await readLedger(path);
    expect(s.get('community', 'a')).toMatchObject({ status: 'abandoned', error_message: 'why' });
    expect(s.get('group', 'a/g')).toMatchObject({ status: 'absent', inFlight: false });
  });
});
