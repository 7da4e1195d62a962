// Many verdicts at once: every refusal the checks can give (table), all or nothing on the ledger,
// and a confirmed preview that the ledger no longer allows (a run wrote in between).
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/errors.js';
import { checkDecisions, fingerprint, RefusedDecisions, settleDecisions, type Decision } from '../../src/ledger/bulk-resolve.js';
import { fileLedgerStore } from '../../src/ledger/file-store.js';
import { emptyLedgerState, readLedger } from '../../src/ledger/replay.js';
import { didYouMean } from '../../src/manifest/suggest.js';
import type { LedgerEvent } from '../../src/ledger/event.js';
import { ev, lines, tempLedger } from './helpers.js';

const g = (key: string, f: Partial<LedgerEvent> & Pick<LedgerEvent, 'event'>) => ev({ kind: 'group', key, ...f });
const c = (key: string, f: Partial<LedgerEvent> & Pick<LedgerEvent, 'event'>) => ev({ kind: 'community', key, ...f });

/** alpha created (C1), beta exists; alpha/g1 and alpha/g2 in doubt (sent K1, K2); alpha/g3 created (K3). */
const LEDGER = [
  c('alpha', { event: 'created', community_id: 'C1' }),
  c('beta', { event: 'exists', status: 500, code: '5216' }),
  g('alpha/g1', { event: 'attempt', chat_id: 'K1' }),
  g('alpha/g1', { event: 'in_doubt', status: 502 }),
  g('alpha/g2', { event: 'attempt', chat_id: 'K2' }),
  g('alpha/g2', { event: 'in_doubt', status: 504 }),
  g('alpha/g3', { event: 'attempt', chat_id: 'K3' }),
  g('alpha/g3', { event: 'created', chat_id: 'K3', group_id: 'G3' }),
];

function state() {
  const s = emptyLedgerState();
  for (const e of LEDGER) s.apply(e);
  return s;
}

const check = (...decisions: Decision[]) => checkDecisions(state(), decisions, { path: 'L', suggest: didYouMean });
const at = (line: number) => `f.csv:${line}`;

describe('checkDecisions', () => {
  it('turns fitting decisions into one line each, the sent chat_id by default', () => {
    const r = check(
      { kind: 'group', key: 'alpha/g1', resolution: { action: 'created' }, place: at(2) },
      { kind: 'group', key: 'alpha/g2', resolution: { action: 'absent' }, place: at(3) },
      { kind: 'community', key: 'beta', resolution: { action: 'adopt', communityId: 'C2' }, place: at(4) },
    );
    expect(r.refusals).toEqual([]);
    expect(r.changes.map((x) => `${x.kind} ${x.key}: ${x.before} -> ${x.line.event} ${x.line.chat_id ?? x.line.community_id ?? ''}`)).toEqual([
      'group alpha/g1: in doubt -> created K1',
      'group alpha/g2: in doubt -> absent ',
      'community beta: exists -> adopted C2',
    ]);
    // One command, one run id, every line by `ledger resolve`.
    expect(new Set(r.changes.map((x) => x.line.run)).size).toBe(1);
    expect(r.changes.every((x) => x.line.by === 'ledger resolve')).toBe(true);
  });

  it.each([
    ['an unknown key, with the near one', { kind: 'group', key: 'alpha/g', resolution: { action: 'absent' } }, /^f\.csv:9: no item "alpha\/g" in ledger L: did you mean "alpha\/g[123]"\?$/],
    ['a state the verdict does not fit', { kind: 'group', key: 'alpha/g3', resolution: { action: 'absent' } }, /^f\.csv:9: group alpha\/g3 is created \(chat_id K3, group_id G3\), not in doubt: nothing to resolve$/],
    ['a chat_id another group holds (recorded)', { kind: 'group', key: 'alpha/g1', resolution: { action: 'created', chatId: 'K3' } }, /^f\.csv:9: group alpha\/g1: chat_id K3 is held by group alpha\/g3 in the ledger; one id, one item$/],
    ['a chat_id another group was sent with', { kind: 'group', key: 'alpha/g1', resolution: { action: 'created', chatId: 'K2' } }, /chat_id K2 is held by group alpha\/g2/],
    ['a community_id another community holds', { kind: 'community', key: 'beta', resolution: { action: 'adopt', communityId: 'C1' } }, /^f\.csv:9: community beta: community_id C1 is held by community alpha in the ledger/],
    ['a community that does not exist as a group key', { kind: 'community', key: 'alpha/g1', resolution: { action: 'adopt', communityId: 'C9' } }, /no community "alpha\/g1" in ledger L: it holds a group of that key/],
  ] as const)('refuses %s', (_name, decision, want) => {
    const r = check({ ...(decision as Decision), place: at(9) });
    expect(r.changes).toEqual([]);
    expect(r.refusals).toHaveLength(1);
    expect(r.refusals[0]).toMatch(want);
  });

  it('one item decided twice: the same words count once, different ones are refused naming both rows', () => {
    const same = check(
      { kind: 'group', key: 'alpha/g1', resolution: { action: 'absent' }, place: at(2) },
      { kind: 'group', key: 'alpha/g1', resolution: { action: 'absent' }, place: at(5) },
    );
    expect(same.refusals).toEqual([]);
    expect(same.changes).toHaveLength(1);
    const differ = check(
      { kind: 'group', key: 'alpha/g1', resolution: { action: 'absent' }, place: at(2) },
      { kind: 'group', key: 'alpha/g1', resolution: { action: 'created' }, place: at(5) },
    );
    expect(differ.refusals).toEqual(['f.csv:5: group alpha/g1 is decided twice, differently: absent at f.csv:2, created here; keep one']);
  });

  it('one id given to two items of the input is refused at the second', () => {
    const r = check(
      { kind: 'group', key: 'alpha/g1', resolution: { action: 'created', chatId: 'NEW' }, place: at(2) },
      { kind: 'group', key: 'alpha/g2', resolution: { action: 'created', chatId: 'NEW' }, place: at(3) },
    );
    expect(r.refusals).toEqual(['f.csv:3: group alpha/g2: chat_id NEW is also given to group alpha/g1 at f.csv:2; one id, one item']);
  });

  it('a chat_id other than the one sent is kept, with a note', () => {
    const r = check({ kind: 'group', key: 'alpha/g1', resolution: { action: 'created', chatId: 'FOUND' } });
    expect(r.changes[0]).toMatchObject({ note: 'its last attempt sent chat_id K1', line: { chat_id: 'FOUND' } });
  });
});

describe('settleDecisions on a file ledger', () => {
  async function ledger(): Promise<string> {
    const path = await tempLedger();
    await writeFile(path, lines(...LEDGER));
    return path;
  }
  const good: Decision[] = [
    { kind: 'group', key: 'alpha/g1', resolution: { action: 'created' } },
    { kind: 'community', key: 'beta', resolution: { action: 'adopt', communityId: 'C2' } },
  ];

  it('writes every line, or with one refusal none', async () => {
    const path = await ledger();
    const before = await readFile(path, 'utf8');
    const err = await settleDecisions(fileLedgerStore(path), [...good, { kind: 'group', key: 'alpha/g3', resolution: { action: 'absent' }, place: 'x:4' }], { write: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RefusedDecisions);
    expect((err as RefusedDecisions).refusals).toEqual([expect.stringMatching(/^x:4: group alpha\/g3 is created/)]);
    expect(await readFile(path, 'utf8')).toBe(before);

    const done = await settleDecisions(fileLedgerStore(path), good, { write: true });
    expect(done.written).toBe(2);
    const s = await readLedger(path);
    expect(s.get('group', 'alpha/g1')).toMatchObject({ status: 'created', chat_id: 'K1' });
    expect(s.get('community', 'beta')).toMatchObject({ status: 'adopted', community_id: 'C2' });
  });

  it('a preview only reads; a confirmed preview the ledger no longer allows writes nothing', async () => {
    const path = await ledger();
    const seen = await settleDecisions(fileLedgerStore(path), good, { write: false });
    expect(seen.written).toBe(0);
    // A run writes between the question and the answer: alpha/g1 is created by it.
    await writeFile(path, lines(g('alpha/g1', { event: 'created', chat_id: 'K1', group_id: 'G1' })), { flag: 'a' });
    const before = await readFile(path, 'utf8');
    const err = await settleDecisions(fileLedgerStore(path), good, { write: true, expect: fingerprint(seen.check.changes) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RefusedDecisions); // alpha/g1 is no longer in doubt
    expect(await readFile(path, 'utf8')).toBe(before);

    // A change that still fits, but is not what was shown: refused as a changed ledger.
    const path2 = await ledger();
    const shown = await settleDecisions(fileLedgerStore(path2), (st) => [...st.items.values()].filter((s) => s.status === 'in_doubt').map((s) => ({ kind: 'group' as const, key: s.key, resolution: { action: 'absent' as const } })), { write: false });
    expect(shown.check.changes).toHaveLength(2);
    await writeFile(path2, lines(g('alpha/g2', { event: 'created', chat_id: 'K2' })), { flag: 'a' });
    const again = settleDecisions(fileLedgerStore(path2), (st) => [...st.items.values()].filter((s) => s.status === 'in_doubt').map((s) => ({ kind: 'group' as const, key: s.key, resolution: { action: 'absent' as const } })), { write: true, expect: fingerprint(shown.check.changes) });
    await expect(again).rejects.toThrow(LedgerError);
    await expect(again).rejects.toThrow(/changed after the preview .*nothing was written/);
  });
});
