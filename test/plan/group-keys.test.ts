// The plan finds a group in the ledger under every spelling of it (plan/group-lookup.ts), and never
// takes another group's line for it: keys of (a, b/c) and (a/b, c) differ.
import { describe, expect, it } from 'vitest';
import type { ItemState, LedgerEvent } from '../../src/ledger/event.js';
import { emptyLedgerState } from '../../src/ledger/replay.js';
import type { ManifestEntry } from '../../src/manifest/entry.js';
import { PlanBuilder, type LedgerView, type Plan, type PlanItem } from '../../src/plan/plan.js';

const pos = (line: number) => ({ file: 'm.yaml', line });
const community = (handle: string, line: number, communityId?: string): ManifestEntry =>
  communityId === undefined
    ? { kind: 'community', handle, body: { handle, name: handle, type: 1, actions: [] }, pos: pos(line) }
    : { kind: 'community', handle, communityId, pos: pos(line) };
const byHandle = (parent: string, key: string, line: number): ManifestEntry => ({
  kind: 'group', key, parentHandle: parent, body: { type: 4, group: { name: key } }, pos: pos(line),
});
const byId = (parent: string, key: string, line: number): ManifestEntry => ({
  kind: 'group', key, parentId: parent, body: { type: 4, group: { name: key } }, pos: pos(line),
});

let clock = Date.UTC(2026, 10, 1);
const line = (f: Partial<LedgerEvent> & Pick<LedgerEvent, 'event' | 'key'>): LedgerEvent => ({
  at: new Date((clock += 1000)).toISOString(), run: 'run-1', kind: 'group', ...f,
});

function ledgerOf(lines: LedgerEvent[]) {
  const state = emptyLedgerState();
  for (const l of lines) state.apply(l);
  return state;
}

function plan(ledger: LedgerView, entries: ManifestEntry[]): Plan {
  const builder = new PlanBuilder(ledger);
  for (const e of entries) builder.add(e);
  return builder.build();
}

const groups = (p: Plan) => p.items.filter((i) => i.kind === 'group').map((i: PlanItem) => ({ key: i.key, action: i.action }));

describe('group ledger keys in the plan', () => {
  it('keeps (a, b/c) and (a/b, c) apart: the ledger line of one is not the other', () => {
    const ledger = ledgerOf([
      line({ kind: 'community', key: 'a', event: 'created', community_id: 'CA' }),
      line({ kind: 'community', key: 'a/b', event: 'created', community_id: 'CAB' }),
      line({ key: 'a/b/c', event: 'created', group_id: 'G1' }),
    ]);
    const p = plan(ledger, [byHandle('a/b', 'c', 1), byHandle('a', 'b/c', 2)]);
    expect(groups(p)).toEqual([
      { key: 'a%2Fb/c', action: 'create' },
      { key: 'a/b/c', action: 'skip' },
    ]);
  });

  it('finds a group recorded under its parent handle when the parent is now named by id', () => {
    const ledger = ledgerOf([
      line({ kind: 'community', key: 'brand', event: 'created', community_id: 'C1' }),
      line({ key: 'brand/Talk', event: 'created', group_id: 'G1' }),
    ]);
    const p = plan(ledger, [byId('C1', 'Talk', 1), byId('C1', 'New', 2)]);
    expect(groups(p)).toEqual([
      { key: 'brand/Talk', action: 'skip' },
      { key: 'brand/New', action: 'create' }, // the handle is known: it is the canonical parent
    ]);
  });

  it('finds a group recorded under its parent id when the parent is now named by handle', () => {
    // Run 1 named an existing community by id only; run 2 adopts it by handle and names it so.
    const ledger = ledgerOf([line({ key: 'C7/Talk', event: 'created', group_id: 'G1' })]);
    const p = plan(ledger, [community('old-brand', 1, 'C7'), byHandle('old-brand', 'Talk', 2), byHandle('old-brand', 'New', 3)]);
    expect(groups(p)).toEqual([
      { key: 'C7/Talk', action: 'skip' },
      { key: 'old-brand/New', action: 'create' },
    ]);
  });

  it('finds it also when the adopted community comes after its groups (groups file first)', () => {
    const ledger = ledgerOf([line({ key: 'C7/Talk', event: 'created', group_id: 'G1' })]);
    const p = plan(ledger, [byHandle('old-brand', 'Talk', 1), byId('C7', 'New', 2), community('old-brand', 3, 'C7')]);
    expect(groups(p)).toEqual([
      { key: 'C7/Talk', action: 'skip' },
      { key: 'old-brand/New', action: 'create' },
    ]);
  });

  it('an in-doubt group named the other way stays in doubt (not sent again)', () => {
    const ledger = ledgerOf([
      line({ kind: 'community', key: 'brand', event: 'created', community_id: 'C1' }),
      line({ key: 'C1/Talk', event: 'attempt', attempt: 1 }),
      line({ key: 'C1/Talk', event: 'in_doubt', status: 502 }),
    ]);
    expect(groups(plan(ledger, [byHandle('brand', 'Talk', 1)]))).toEqual([{ key: 'C1/Talk', action: 'in_doubt' }]);
  });

  it('treats a key that differs only in surrounding spaces or Unicode form as the same group', () => {
    const ledger = ledgerOf([
      line({ key: 'brand/Talk', event: 'created', group_id: 'G1' }),
      line({ key: 'brand/Caf\u00e9', event: 'created', group_id: 'G2' }),
    ]);
    const p = plan(ledger, [byHandle('brand', ' Talk ', 1), byHandle('brand', 'Cafe\u0301', 2)]);
    expect(groups(p)).toEqual([
      { key: 'brand/Talk', action: 'skip' },
      { key: 'brand/Caf\u00e9', action: 'skip' },
    ]);
  });

  it('finds a key an older version recorded un-normalised, and keeps it', () => {
    const ledger = ledgerOf([line({ key: 'brand/ Talk', event: 'created', group_id: 'G1' })]);
    expect(groups(plan(ledger, [byHandle('brand', ' Talk', 1)]))).toEqual([{ key: 'brand/ Talk', action: 'skip' }]);
  });

  it('asks a ledger view without community names only for the group keys', () => {
    const asked: string[] = [];
    const view: LedgerView = {
      get: (kind, key): ItemState | undefined => {
        asked.push(`${kind} ${key}`);
        return undefined;
      },
    };
    const p = plan(view, [byHandle('a/b', 'c', 1), byId('C1', 'd', 2)]);
    expect(groups(p)).toEqual([
      { key: 'a%2Fb/c', action: 'blocked' },
      { key: 'C1/d', action: 'create' },
    ]);
    expect(asked).toEqual(['group a%2Fb/c', 'group C1/d', 'community a/b']);
  });
});
