// The loader's check pieces as values: each returns what it finds instead of writing into a
// shared list, so each can be tested alone (the end-to-end behaviour is in load/csv/yaml tests).
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { Findings } from '../../src/manifest/check/findings.js';
import { GroupKeys } from '../../src/manifest/check/group-keys.js';
import { HandleIndex } from '../../src/manifest/check/handles.js';
import { Places } from '../../src/manifest/check/places.js';
import { DEFAULT_LIMITS } from '../../src/manifest/limits.js';
import { firstInvalidUtf8 } from '../../src/manifest/source.js';

const at = (file: string, line: number) => ({ file, line });

describe('Places', () => {
  const places = new Places(['b.yaml', 'a.csv', 'b.yaml']);
  it.each([
    [at('b.yaml', 7), at('a.csv', 2), true],
    [at('a.csv', 2), at('b.yaml', 7), false],
    [at('a.csv', 2), at('a.csv', 10), true],
  ])('%o before %o: %s (file order first, then line)', (a, b, before) => {
    expect(places.before(places.pack(a), places.pack(b))).toBe(before);
    expect(places.unpack(places.pack(a))).toEqual(a);
  });
  it('refuses a place in a file not of the load (a reader bug, not bad input)', () => {
    expect(() => places.pack(at('c.csv', 1))).toThrow(/not a file of this load/);
    expect(places.order('c.csv')).toBe(-1);
  });
});

describe('HandleIndex', () => {
  it('a repeat is a fault, a case-only variant a warning, its repeat a fault', () => {
    const handles = new HandleIndex(new Places(['m.csv']));
    expect(handles.add('Club', at('m.csv', 2))).toBeUndefined();
    expect(handles.add('Club', at('m.csv', 3))).toEqual({ fault: { ...at('m.csv', 3), field: 'handle', message: 'duplicate handle "Club" (first at m.csv:2)' } });
    expect(handles.add('club', at('m.csv', 4))).toMatchObject({ warning: { line: 4, message: expect.stringContaining('differs only in case from "Club" at m.csv:2') } });
    expect(handles.add('club', at('m.csv', 5))).toMatchObject({ fault: { line: 5 } });
  });
  it('references resolve against every file, then the known handles; the rest are faults with a guess', () => {
    const handles = new HandleIndex(new Places(['m.csv']));
    handles.ref('later', at('m.csv', 2));
    handles.ref('ledger-one', at('m.csv', 3));
    handles.ref('chses', at('m.csv', 4));
    handles.ref('chses', at('m.csv', 6));
    handles.add('later', at('m.csv', 5));
    handles.add('chess', at('m.csv', 7));
    expect(handles.unresolved((h) => h === 'ledger-one')).toEqual([
      { ...at('m.csv', 4), field: 'community_handle', message: 'no community "chses" in these manifests or among those already created (and 1 more group) (did you mean "chess"?)' },
    ]);
  });
});

describe('GroupKeys', () => {
  it('keys compare as the ledger keys them (NFC, trimmed), per parent', () => {
    const keys = new GroupKeys(new Places(['m.yaml']));
    expect(keys.claim({ handle: 'a' }, 'Caf\u00e9', at('m.yaml', 2))).toBeUndefined();
    expect(keys.claim({ handle: 'b' }, 'Caf\u00e9', at('m.yaml', 3))).toBeUndefined();
    expect(keys.claim({ handle: 'a' }, ' Cafe\u0301 ', at('m.yaml', 4))?.message).toContain('in community "a" is the group "Caf\u00e9" at m.yaml:2');
    expect(keys.claim({ id: 'a' }, 'Caf\u00e9', at('m.yaml', 5))).toBeUndefined();
  });
  it.each([
    ['the ledger', undefined],
    ['an adopted entry', 'adopted'],
  ] as const)('one group under a handle and its id (tied by %s) is given twice: the later one is the fault', (_, how) => {
    const keys = new GroupKeys(new Places(['m.yaml', 'n.csv']));
    if (how === 'adopted') keys.adopted('club', 'C1');
    keys.claim({ id: 'C1' }, 'talk', at('n.csv', 2));
    keys.claim({ handle: 'club' }, 'talk', at('m.yaml', 9));
    const faults = keys.givenTwice(how === 'adopted' ? undefined : (id) => (id === 'C1' ? 'club' : undefined));
    expect(faults).toEqual([{ ...at('n.csv', 2), field: 'key', message: expect.stringContaining('"club" has id C1: both name one group') }]);
    expect(new GroupKeys(new Places([])).givenTwice(() => 'club')).toEqual([]);
  });
});

describe('Findings', () => {
  it('lists at most maxFaults, then counts the rest; sorted by file order, line, column', () => {
    const findings = new Findings({ ...DEFAULT_LIMITS, maxFaults: 2 });
    findings.fault({ file: 'b', line: 1, field: 'x', message: 'm1' });
    findings.fault({ file: 'a', line: 3, column: 2, field: 'x', message: 'm2' });
    findings.add({ fault: { file: 'a', line: 3, column: 1, field: 'x', message: 'm3' } });
    findings.add({ warning: { file: 'a', line: 1, field: 'x', message: 'w\u001b[31m' } });
    const order = (f: string) => ['b', 'a'].indexOf(f);
    const { faults, warnings } = findings.sorted(order);
    expect(findings.faultCount).toBe(3);
    expect(faults.map((f) => f.message)).toEqual(['m1', 'm2', expect.stringMatching(/^… and 1 more: only the first 2 are listed/)]);
    expect(warnings[0].message).not.toContain('\u001b');
  });
});

describe('firstInvalidUtf8', () => {
  it('agrees with node:buffer isUtf8, and everything before it is valid', () => {
    const bytes = fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a));
    const mostlyHigh = fc.array(fc.oneof(fc.integer({ min: 0x80, max: 0xff }), fc.integer({ min: 0, max: 0x7f })), { maxLength: 12 }).map((a) => Buffer.from(a));
    fc.assert(
      fc.property(fc.oneof(bytes, mostlyHigh), (buf) => {
        const bad = firstInvalidUtf8(buf);
        expect(bad === -1).toBe(isUtf8(buf));
        if (bad >= 0) expect(isUtf8(buf.subarray(0, bad))).toBe(true);
      }),
      { seed: 12, numRuns: 3000 },
    );
  });
});
