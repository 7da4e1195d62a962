// The group ledger key rule (src/item-key.ts): keys never collide, old keys stay as they were,
// and every spelling of one group finds the one ledger item (src/plan/group-lookup.ts).
import { describe, expect, it } from 'vitest';
import type { ItemState } from '../../src/ledger/event.js';
import { decodeParent, encodeParent, groupIdentity, groupKey, parseGroupKey } from '../../src/item-key.js';
import { findGroup, GroupKeys, ParentNames, type GroupLedger } from '../../src/plan/group-lookup.js';

describe('groupKey', () => {
  it.each([
    // parent, group key, ledger key
    ['brand-a', 'Talk', 'brand-a/Talk'],
    ['a', 'b/c', 'a/b/c'],
    ['a/b', 'c', 'a%2Fb/c'],
    ['a%2Fb', 'c', 'a%252Fb/c'],
    ['100%', 'x', '100%25/x'],
    ['c-7f3a', 'x/y/z', 'c-7f3a/x/y/z'],
    ['brand', '  Talk ', 'brand/Talk'],
    ['brand', 'Cafe\u0301', 'brand/Caf\u00e9'],
    ['brand', 'Caf\u00e9', 'brand/Caf\u00e9'],
    ['brand', '\tTalk\n', 'brand/Talk'],
    ['brand', 'Two  spaces inside', 'brand/Two  spaces inside'],
  ])('%j + %j -> %j', (parent, key, expected) => {
    expect(groupKey(parent, key)).toBe(expected);
  });

  it('gives different (parent, key) pairs different keys', () => {
    const pairs: [string, string][] = [
      ['a', 'b/c'], ['a/b', 'c'], ['a%2Fb', 'c'], ['a%', '2Fb/c'], ['a', '%2Fb/c'], ['a/b/c', 'd'], ['a', 'b/c/d'], ['a/b', 'c/d'],
    ];
    const keys = pairs.map(([p, k]) => groupKey(p, k));
    expect(new Set(keys).size).toBe(pairs.length);
    for (const [i, [p, k]] of pairs.entries()) expect(parseGroupKey(keys[i])).toEqual({ parent: p, key: k });
  });
});

describe('parent encoding', () => {
  it.each([
    ['plain', 'plain'],
    ['a/b', 'a%2Fb'],
    ['%', '%25'],
    ['%2F', '%252F'],
    ['/%/', '%2F%25%2F'],
    ['é/ü', '\u00e9%2F\u00fc'],
  ])('%j <-> %j', (raw, encoded) => {
    expect(encodeParent(raw)).toBe(encoded);
    expect(decodeParent(encoded)).toBe(raw);
  });

  it('leaves a parent without % or / as it is (keys of existing ledgers do not change)', () => {
    const p = 'brand-a.b_c';
    expect(encodeParent(p)).toBe(p);
  });
});

describe('groupIdentity', () => {
  it.each([
    ['Talk', 'Talk'],
    [' Talk', 'Talk'],
    ['Talk\u00a0', 'Talk'],
    ['\u3000Talk', 'Talk'],
    ['Cafe\u0301', 'Caf\u00e9'],
    ['\u212b', '\u00c5'], // Angstrom sign -> A with ring (NFC)
    ['a b', 'a b'],
    ['   ', ''],
  ])('%j -> %j', (raw, expected) => {
    expect(groupIdentity(raw)).toBe(expected);
  });
});

describe('parseGroupKey', () => {
  it.each([
    ['brand/Talk', { parent: 'brand', key: 'Talk' }],
    ['a/b/c', { parent: 'a', key: 'b/c' }],
    ['a%2Fb/c', { parent: 'a/b', key: 'c' }],
    ['a%2fb/c', { parent: 'a/b', key: 'c' }],
    ['handle-only', undefined],
  ])('%j', (key, expected) => {
    expect(parseGroupKey(key)).toEqual(expected);
  });
});

/** A ledger view holding group states by key, and community handle <-> id ties. */
function fakeLedger(groups: string[], ties: [string, string][] = []): GroupLedger & { asked: string[] } {
  const asked: string[] = [];
  const state = (key: string): ItemState => ({ kind: 'group', key, status: 'created', attempts: 1, inFlight: false, updated_at: '' });
  const held = new Map(groups.map((k) => [k, state(k)]));
  return {
    asked,
    get: (_kind, key) => {
      asked.push(key);
      return held.get(key);
    },
    communityId: (handle) => ties.find(([h]) => h === handle)?.[1],
    handleOf: (id) => ties.find(([, i]) => i === id)?.[0],
  };
}

describe('findGroup', () => {
  const TIES: [string, string][] = [['brand', 'C1'], ['a/b', 'C/2']];
  it.each([
    // what the ledger holds, how the manifest names the group, the key found, whether found
    { held: [], ref: { parentHandle: 'brand', key: 'Talk' }, key: 'brand/Talk', found: false },
    { held: [], ref: { parentId: 'C1', key: 'Talk' }, key: 'brand/Talk', found: false, why: 'the handle of a known id is the canonical parent' },
    { held: [], ref: { parentId: 'C9', key: 'Talk' }, key: 'C9/Talk', found: false, why: 'an id whose handle nobody knows' },
    { held: ['brand/Talk'], ref: { parentId: 'C1', key: 'Talk' }, key: 'brand/Talk', found: true },
    { held: ['C1/Talk'], ref: { parentHandle: 'brand', key: 'Talk' }, key: 'C1/Talk', found: true, why: 'recorded by id, now named by handle' },
    { held: ['C1/Talk'], ref: { parentId: 'C1', key: 'Talk' }, key: 'C1/Talk', found: true, why: 'recorded by id before the handle was known' },
    { held: ['brand/ Talk'], ref: { parentHandle: 'brand', key: ' Talk' }, key: 'brand/ Talk', found: true, why: 'an old un-normalised key' },
    { held: ['C1/ Talk'], ref: { parentHandle: 'brand', key: ' Talk' }, key: 'C1/ Talk', found: true },
    { held: ['brand/Talk'], ref: { parentHandle: 'brand', key: 'Talk ' }, key: 'brand/Talk', found: true },
    { held: ['brand/Caf\u00e9'], ref: { parentHandle: 'brand', key: 'Cafe\u0301' }, key: 'brand/Caf\u00e9', found: true },
    { held: ['a/b/c'], ref: { parentHandle: 'a/b', key: 'c' }, key: 'a%2Fb/c', found: false, why: 'a + b/c is another group' },
    { held: ['a/b/c'], ref: { parentHandle: 'a', key: 'b/c' }, key: 'a/b/c', found: true },
    { held: ['C%2F2/c'], ref: { parentHandle: 'a/b', key: 'c' }, key: 'C%2F2/c', found: true },
  ])('$ref -> $key ($why)', ({ held, ref, key, found }) => {
    const ledger = fakeLedger(held, TIES);
    const result = findGroup(ledger, new ParentNames(ledger), ref);
    expect(result.key).toBe(key);
    expect(result.state !== undefined).toBe(found);
  });

  it('asks the ledger once for a group found under its canonical key', () => {
    const ledger = fakeLedger(['brand/Talk'], TIES);
    findGroup(ledger, new ParentNames(ledger), { parentHandle: 'brand', key: 'Talk' });
    expect(ledger.asked).toEqual(['brand/Talk']);
  });

  it('uses a tie from the manifests before the ledger', () => {
    const ledger = fakeLedger(['M1/Talk']);
    const names = new ParentNames(ledger);
    names.learn('brand', 'M1');
    expect(findGroup(ledger, names, { parentHandle: 'brand', key: 'Talk' }).key).toBe('M1/Talk');
    expect(findGroup(ledger, names, { parentId: 'M1', key: 'New' }).key).toBe('brand/New');
  });
});

describe('GroupKeys', () => {
  it('says when a tie learned after a miss may find more, and refinds by the plan item', () => {
    const ledger = fakeLedger(['M1/Talk']);
    const keys = new GroupKeys(ledger);
    const first = keys.find({ parentHandle: 'brand', key: 'Talk' });
    expect(first).toEqual({ key: 'brand/Talk', state: undefined });
    expect(keys.late).toBe(false);
    keys.community('brand', 'M1');
    expect(keys.late).toBe(true);
    expect(keys.refind({ key: first.key, handle: 'brand' }).key).toBe('M1/Talk');
    expect(keys.refind({ key: 'M1/Other', communityId: 'M1' })).toEqual({ key: 'brand/Other', state: undefined });
  });

  it('is not late when every group was found or ties came first', () => {
    const keys = new GroupKeys(fakeLedger([]));
    keys.community('brand', 'M1');
    keys.find({ parentHandle: 'brand', key: 'x' });
    keys.community('brand', 'M1');
    expect(keys.late).toBe(false);
  });
});
