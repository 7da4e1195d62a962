// CSV cell typing, table-driven: every leaf kind the field table derives from the zod schemas;
// a bad cell is a CellFault value with its reason.
import { describe, expect, it } from 'vitest';

import { CellFault, cellParser } from '../../src/manifest/csv/cells.js';
import { communityFields, type FieldInfo, groupFields } from '../../src/manifest/fields.js';
import { DEFAULT_LIMITS } from '../../src/manifest/limits.js';
import { didYouMean, editDistance } from '../../src/manifest/suggest.js';

function field(name: string): FieldInfo {
  const f = communityFields().fields.get(name) ?? groupFields().fields.get(name);
  if (!f) throw new Error(`no field ${name}`);
  return f;
}

function cell(name: string, text: string): unknown {
  const v = cellParser(field(name), DEFAULT_LIMITS)(text);
  return v instanceof CellFault ? { error: v.message } : v;
}

describe('field table derived from src/api/schema.ts', () => {
  it.each([
    ['handle', 'string'],
    ['name', 'string'],
    ['type', 'integer'],
    ['actions', 'actions'],
    ['categories', 'object'],
    ['categories.existing', 'list-of-int'],
    ['categories.new', 'list-of-string'],
    ['is_ai_generated_dp', 'boolean'],
    ['users', 'users'],
  ])('community %s is %s', (name, kind) => {
    expect(communityFields().fields.get(name)?.kind).toBe(kind);
  });

  it.each([
    ['type', 'integer'],
    ['chat_id', 'string'],
    ['template_id', 'integer'],
    ['recorded_video', 'object'],
    ['recorded_video.duration', 'number'],
    ['recorded_video.description_data', 'string'],
    ['recorded_video.is_ai_generated_video', 'boolean'],
    ['recorded_video.meta_data.topic', 'string'],
    ['group.name', 'string'],
    ['group.topics', 'list-of-int'],
    ['group.members', 'members'],
    ['settings.discoverable', 'boolean'],
    ['actions', 'actions'],
  ])('group %s is %s', (name, kind) => {
    expect(groupFields().fields.get(name)?.kind).toBe(kind);
  });

  it('knows which fields are required', () => {
    expect(communityFields().fields.get('handle')?.required).toBe(true);
    expect(communityFields().fields.get('description')?.required).toBe(false);
    expect(groupFields().fields.get('type')?.required).toBe(true);
  });

  it('lists the names below an object path, relative to it', () => {
    expect(groupFields().under(['recorded_video', 'meta_data'])).toEqual(['topic']);
    expect(communityFields().under(['categories'])).toEqual(['existing', 'new']);
  });
});

describe('cell typing', () => {
  it.each<[string, string, unknown]>([
    // strings stay text, even when they look like numbers or JSON
    ['name', 'Tech World', 'Tech World'],
    ['name', '  padded  ', '  padded  '],
    ['tags', '123', '123'],
    ['recorded_video.description_data', '["Hello",{"user_id":"x"}]', '["Hello",{"user_id":"x"}]'],
    ['recorded_video.size', '5MB', '5MB'],
    // integers
    ['type', '4', 4],
    ['type', ' 4 ', 4],
    ['type', '-2', -2],
    ['type', '4.5', { error: 'expected an integer, got "4.5"' }],
    ['type', 'four', { error: 'expected an integer, got "four"' }],
    ['type', '99999999999999999999', { error: 'integer "99999999999999999999" is too large' }],
    // numbers
    ['recorded_video.duration', '5', 5],
    ['recorded_video.duration', '2.5', 2.5],
    ['recorded_video.duration', '1e3', 1000],
    ['recorded_video.duration', '5s', { error: 'expected a number, got "5s"' }],
    // booleans
    ['is_ai_generated', 'true', true],
    ['is_ai_generated', 'FALSE', false],
    ['is_ai_generated', 'Yes', true],
    ['is_ai_generated', 'no', false],
    ['is_ai_generated', '1', true],
    ['is_ai_generated', '0', false],
    ['is_ai_generated', 'maybe', { error: 'expected true/false, yes/no or 1/0, got "maybe"' }],
    // lists of integers and of strings
    ['categories.existing', '1;2', [1, 2]],
    ['categories.existing', '7', [7]],
    ['categories.existing', ' 1 ; 2 ;', [1, 2]],
    ['categories.existing', '1;x', { error: 'item 2: expected an integer, got "x"' }],
    ['categories.existing', '[1,2]', [1, 2]],
    ['categories.new', 'abc;aAa;xYZ', ['abc', 'aAa', 'xYZ']],
    ['categories.new', 'AI Tools', ['AI Tools']],
    ['categories.new', '["a;b"]', ['a;b']],
    ['group.topics', '1;2', [1, 2]],
    // actions: action_id:access_type_id pairs
    ['actions', '3:5', [{ action_id: 3, access_type_id: 5 }]],
    ['actions', '3:5;5:9', [{ action_id: 3, access_type_id: 5 }, { action_id: 5, access_type_id: 9 }]],
    ['actions', '3', { error: 'item 1: expected action_id:access_type_id (like 3:5), got "3"' }],
    ['actions', '3:x', { error: 'item 1: access_type_id: expected an integer, got "x"' }],
    ['actions', '[{"action_id":3,"access_type_id":5}]', [{ action_id: 3, access_type_id: 5 }]],
    // users: user ids
    ['users', 'u1;u2', [{ user_id: 'u1' }, { user_id: 'u2' }]],
    ['users', '[{"user_id":"u1"}]', [{ user_id: 'u1' }]],
    // members: phone:<number> / user:<id>
    ['group.members', 'phone:919876543210;user:abcd', [{ phone_number: '919876543210' }, { user_id: 'abcd' }]],
    ['group.members', 'Phone: 919876543210', [{ phone_number: '919876543210' }]],
    ['group.members', 'phone_number:1;user_id:u', [{ phone_number: '1' }, { user_id: 'u' }]],
    ['group.members', 'mail:x@y', { error: 'item 1: expected phone:<…> or user:<…>' }],
    ['group.members', '919876543210', { error: 'item 1: expected phone:<…> or user:<…>' }],
    ['group.members', 'user:', { error: 'item 1: user: needs a value' }],
    ['group.members', '[{"phone_number":"1"}]', [{ phone_number: '1' }]],
    // objects: JSON only
    ['categories', '{"existing":[1],"new":["x"]}', { existing: [1], new: ['x'] }],
    ['recorded_video.meta_data', '{"topic":"Open Discussion"}', { topic: 'Open Discussion' }],
    ['categories', 'existing', { error: '"categories" takes the JSON of the whole object, or use its dotted columns (categories.…)' }],
    ['categories', '{"existing":[1]', { error: expect.stringMatching(/^invalid JSON: /) }],
  ])('%s %j', (name, text, expected) => {
    expect(cell(name, text)).toEqual(expected);
  });

  it('bounds lists and JSON nesting', () => {
    const limits = { ...DEFAULT_LIMITS, maxListLength: 3, maxDepth: 3 };
    const list = cellParser(field('categories.existing'), limits);
    expect(list('1;2;3')).toEqual([1, 2, 3]);
    expect(list('1;2;3;4')).toEqual(new CellFault('a list of 4 items is longer than the limit of 3 (limit maxListLength; raise it with GENUIN_MAX_LIST_LENGTH)'));
    const obj = cellParser(field('categories'), limits);
    expect(obj('{"existing":[[[1]]]}')).toEqual(new CellFault('nested more than 3 levels deep (limit maxDepth; raise it with GENUIN_MAX_DEPTH)'));
  });
});

describe('did you mean', () => {
  it.each<[string, string[], string | undefined]>([
    ['nmae', ['name', 'handle', 'type'], 'name'],
    ['Handle', ['name', 'handle'], 'handle'],
    ['descripton', ['description', 'dp'], 'description'],
    ['name', ['group.name', 'group.description', 'type'], 'group.name'],
    ['discoverable', ['settings.discoverable', 'type'], 'settings.discoverable'],
    ['group.nmae', ['group.name', 'group.dp'], 'group.name'],
    ['community_handel', ['community_handle', 'community_id'], 'community_handle'],
    ['zzzzzz', ['name', 'handle'], undefined],
  ])('%s → %s', (word, candidates, expected) => {
    expect(didYouMean(word, candidates)).toBe(expected);
  });

  it('counts a transposition as one edit', () => {
    expect(editDistance('nmae', 'name')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});
