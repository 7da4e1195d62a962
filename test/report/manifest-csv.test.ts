// The error file's cells: whatever a manifest value is, the CSV loader's own cell parsers read
// the cell back as exactly that value, or the value is reported as lost; never silently changed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cellParser } from '../../src/manifest/csv/cells.js';
import { communityFields, groupFields } from '../../src/manifest/fields.js';
import { DEFAULT_LIMITS } from '../../src/manifest/limits.js';
import { cellText, manifestCsv } from '../../src/report/manifest-csv.js';

const field = (map: ReturnType<typeof groupFields>, name: string) => map.fields.get(name)!;

describe('cellText', () => {
  it.each([
    [communityFields(), 'actions', [{ action_id: 3, access_type_id: 5 }, { action_id: 5, access_type_id: 9 }], '3:5;5:9'],
    [communityFields(), 'actions', [], '[]'],
    [communityFields(), 'categories.new', ['a;b', 'c'], '["a;b","c"]'],
    [communityFields(), 'categories.new', ['[x', 'y'], '["[x","y"]'],
    [communityFields(), 'users', [{ user_id: 'u1' }, { user_id: 'u2' }], 'u1;u2'],
    [groupFields(), 'group.members', [{ phone_number: '91' }, { user_id: 'u' }], 'phone:91;user:u'],
    [groupFields(), 'group.topics', [1, 2], '1;2'],
    [groupFields(), 'settings.discoverable', false, 'false'],
    [groupFields(), 'recorded_video.duration', 2.5, '2.5'],
    [communityFields(), 'name', ' padded ', ' padded '],
    [communityFields(), 'name', '=1+1', '=1+1'],
  ])('%#: %s', (map, name, value, text) => {
    expect(cellText(field(map, name), value)).toBe(text);
  });

  it('an empty string has no cell (a blank cell means "not given")', () => {
    expect(cellText(field(communityFields(), 'description'), '')).toBeUndefined();
    expect(cellText(field(communityFields(), 'description'), '  ')).toBeUndefined();
  });

  it('round-trips any list of strings and any member list through the loader', () => {
    const parseWith = (name: string) => cellParser(field(groupFields(), name), DEFAULT_LIMITS);
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1 }), { maxLength: 5 }), (names) => {
        const members = names.map((n, i) => (i % 2 ? { user_id: n } : { phone_number: n }));
        const text = cellText(field(groupFields(), 'group.members'), members);
        if (text !== undefined) expect(parseWith('group.members')(text)).toEqual(members);
      }),
    );
  });
});

describe('manifestCsv', () => {
  it('uses dotted columns, or one JSON column for an object a cell cannot split', () => {
    const csv = manifestCsv([
      { kind: 'group', key: 'a', community_handle: 'h', body: { type: 4, group: { name: 'A' }, recorded_video: { link: '' } } },
      { kind: 'group', key: 'b', community_id: 'id-1', body: { type: 4, group: { name: 'B\nline 2' } } },
    ]);
    const [header, ...rest] = csv.text.split('\r\n');
    expect(header).toBe('kind,community_id,community_handle,key,type,recorded_video,group.name');
    expect(rest[0]).toBe('group,,h,a,4,"{""link"":""""}",A');
    expect(rest[1]).toBe('group,id-1,,b,4,,"B\nline 2"');
    expect(csv.lines).toEqual([2, 3]);
    expect(csv.lost).toEqual([]);
  });

  it('counts formula-looking cells and reports values no cell can carry', () => {
    const csv = manifestCsv([{ kind: 'community', body: { handle: 'h', name: '@x', type: 1, actions: [], description: '' } }]);
    expect(csv.formulaCells).toBe(1);
    expect(csv.lost).toEqual(['community h: description']);
  });
});
