// YAML manifests: positions (file:line:column), the safe parser, defaults, nesting.
import { describe, expect, it } from 'vitest';

import type { CommunityEntry, GroupEntry } from '../../src/manifest/entry.js';
import { YAML_HEAD, faultLines, files, loaded } from './helpers.js';

async function yamlFaults(text: string): Promise<string[]> {
  const p = files({ 'm.yaml': text });
  return faultLines([p['m.yaml']]);
}

describe('YAML faults carry file:line:column', () => {
  it.each<[string, string, string[]]>([
    [
      'unknown field with a suggestion, at the key',
      `${YAML_HEAD}communities:\n  - handle: a\n    nmae: A\n`,
      ['m.yaml:7:5: nmae: unknown field "nmae" (did you mean "name"?)'],
    ],
    [
      'a nested unknown field suggests the dotted path',
      `${YAML_HEAD}groups:\n  - community_id: x\n    name: Oops\n`,
      ['m.yaml:7:5: name: unknown field "name" (did you mean "group.name"?)'],
    ],
    [
      'wrong type, at the value',
      `${YAML_HEAD}communities:\n  - handle: a\n    name: A\n    type: 1.5\n    categories: { existing: [1, "2"] }\n`,
      ['m.yaml:8:11: type: expected an integer, got a fractional number', 'm.yaml:9:33: categories.existing[1]: expected an integer, got text'],
    ],
    [
      'an unquoted phone number',
      `${YAML_HEAD}groups:\n  - community_id: x\n    group: { name: G, members: [{ phone_number: 919876543210 }] }\n`,
      ['m.yaml:7:33: group.members[0]: phone_number: expected text, got an integer (put it in quotes)'],
    ],
    [
      'a missing required field, at the entry',
      'version: 1\ncommunities:\n  - handle: a\n    name: A\n    type: 1\n',
      ['m.yaml:3:5: actions: required (give it here, or under defaults.community)'],
    ],
    [
      'handle rules from the schema',
      `${YAML_HEAD}communities:\n  - handle: tech world\n    name: ""\n`,
      ['m.yaml:6:13: handle: must not contain whitespace', 'm.yaml:7:11: name: must not be empty'],
    ],
    [
      'a nested group with its own parent reference',
      `${YAML_HEAD}communities:\n  - handle: a\n    name: A\n    groups:\n      - group: { name: G }\n        community_handle: b\n`,
      ['m.yaml:10:9: community_handle: a nested group belongs to the community it is listed under: remove this, or move the group to the top-level groups list'],
    ],
    [
      'a group without key or name',
      `${YAML_HEAD}groups:\n  - community_id: x\n    settings: { discoverable: true }\n`,
      ['m.yaml:6:5: key: a group needs key or group.name'],
    ],
    [
      'a top-level group with both parents, and one with none',
      `${YAML_HEAD}groups:\n  - community_handle: a\n    community_id: x\n    group: { name: G }\n  - group: { name: H }\n`,
      [
        'm.yaml:7:5: community_id: give community_handle or community_id, not both',
        'm.yaml:9:5: community_handle: a group needs its community: community_handle (a community of these manifests, or one created before) or community_id (an existing community)',
      ],
    ],
    [
      'a duplicate group key within a community',
      `${YAML_HEAD}communities:\n  - handle: a\n    name: A\n    groups:\n      - group: { name: G }\n      - key: G\n        group: { name: Other }\n`,
      [expect.stringMatching(/^m\.yaml:10:9: key: duplicate group key "G" in community "a" \(first at .*m\.yaml:9\)/) as unknown as string],
    ],
  ])('%s', async (_name, text, expected) => {
    expect(await yamlFaults(text)).toEqual(expected);
  });
});

describe('the YAML frame', () => {
  it.each<[string, string, string[]]>([
    ['version must be 1', 'version: 2\n', ['m.yaml:1:10: version: must be 1 (the only manifest version)']],
    ['version is required', 'communities: []\n', ['m.yaml:1:1: version: required: add "version: 1"']],
    ['an empty file', '', ['m.yaml:1: version: the file is empty: a manifest starts with "version: 1"']],
    ['unknown top-level keys', 'version: 1\ndefault: {}\n', ['m.yaml:2:1: default: unknown top-level key "default" (did you mean "defaults"?)']],
    ['not a mapping', '- a\n- b\n', ['m.yaml:1:1: yaml: the document must be a mapping (version, defaults, communities, groups)']],
    ['communities must be a list', 'version: 1\ncommunities: {a: 1}\n', ['m.yaml:2:14: communities: must be a list of communities']],
    ['items must be mappings', 'version: 1\ngroups:\n  - 5\n', ['m.yaml:3:5: groups[0]: expected a mapping (a group), got a single value']],
  ])('%s', async (_name, text, expected) => {
    expect(await yamlFaults(text)).toEqual(expected);
  });
});

describe('the YAML parser is safe and never crashes', () => {
  it('reports a syntax error with its place', async () => {
    expect(await yamlFaults('version: 1\ncommunities: [1, 2\ngroups: []\n')).toEqual([
      'm.yaml:3:1: yaml: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it('refuses duplicate keys', async () => {
    expect(await yamlFaults('version: 1\nversion: 1\n')).toEqual(['m.yaml:2:1: yaml: Map keys must be unique']);
  });

  it.each(['!!js/function "function () { return 1 }"', '!!binary aGVsbG8=', '!custom x', '!!python/object:os.system ls'])(
    'refuses the tag in %s',
    async (value) => {
      const tag = value.split(' ')[0];
      expect(await yamlFaults(`version: 1\ncommunities:\n  - handle: a\n    name: ${value}\n`)).toEqual([
        `m.yaml:4:11: yaml: unsupported tag ${tag}: manifests are plain YAML (no tags)`,
      ]);
    },
  );

  it('accepts the core tags', async () => {
    const p = files({ 'm.yaml': `${YAML_HEAD}communities:\n  - handle: !!str 007\n    name: !!str 42\n    type: !!int 3\n` });
    const { entries } = await loaded([p['m.yaml']]);
    expect((entries[0] as CommunityEntry).body).toMatchObject({ handle: '007', name: '42', type: 3 });
  });

  it('stops an alias bomb', async () => {
    let text = 'version: 1\nx0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let i = 1; i <= 9; i++) text += `x${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]\n`;
    const lines = await yamlFaults(text);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^m\.yaml:3:\d+: yaml: aliases expand too much \(more than 10000 uses: an alias bomb\?\) \(limit maxAliasCount; raise it with GENUIN_MAX_ALIASES\)$/);
  });

  it('reports an alias without an anchor', async () => {
    expect(await yamlFaults('version: 1\ncommunities: *nope\n')).toEqual(['m.yaml:2:14: yaml: alias *nope has no anchor &nope before it']);
  });

  it('survives pathological nesting', async () => {
    const lines = await yamlFaults(`version: 1\nx: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/^m\.yaml:\d+(:\d+)?: yaml: /);
  });

  it('bounds nesting inside an entry', async () => {
    const p = files({ 'm.yaml': `${YAML_HEAD}communities:\n  - handle: a\n    name: A\n    categories: { existing: [[[[1]]]] }\n` });
    expect(await faultLines([p['m.yaml']], { limits: { maxDepth: 3 } })).toEqual(['m.yaml:6:5: communities[0]: nested more than 3 levels deep (limit maxDepth; raise it with GENUIN_MAX_DEPTH)']);
  });

  it('allows an anchor reused many times (a shared member list)', async () => {
    const groups = Array.from({ length: 300 }, (_, i) => `  - community_id: x\n    group: { name: G${i}, members: *team }\n`).join('');
    const p = files({ 'm.yaml': `${YAML_HEAD}groups:\n  - community_id: x\n    group: { name: G, members: &team [{ phone_number: "1" }] }\n${groups}` });
    const { entries } = await loaded([p['m.yaml']]);
    expect(entries).toHaveLength(301);
    expect((entries[300] as GroupEntry).body.group?.members).toEqual([{ phone_number: '1' }]);
  });

  it('reads a UTF-8 BOM and CRLF line ends', async () => {
    const p = files({ 'm.yaml': `\uFEFF${YAML_HEAD}communities:\n  - handle: a\n    name: A\n    nmae: x\n`.replace(/\n/g, '\r\n') });
    expect(await faultLines([p['m.yaml']])).toEqual(['m.yaml:8:5: nmae: unknown field "nmae" (did you mean "name"?)']);
  });

  it('refuses UTF-16 and invalid UTF-8', async () => {
    const p = files({
      'u16.yaml': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('version: 1\n', 'utf16le')]),
      'latin1.yaml': Buffer.from('version: 1\ncommunities:\n  - handle: caf\xe9\n', 'latin1'),
    });
    expect(await faultLines([p['u16.yaml'], p['latin1.yaml']])).toEqual([
      'u16.yaml:1: file: file is UTF-16 encoded: re-save it as UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)")',
      'latin1.yaml:3: file: file is not valid UTF-8 (a legacy encoding such as Windows-1252?): re-save it as UTF-8',
    ]);
  });
});

describe('YAML entries', () => {
  it('keeps positions, parents and keys', async () => {
    const p = files({
      'm.yaml': `${YAML_HEAD}communities:\n  - handle: a\n    name: A\n    groups:\n      - key: first\n        group: { name: One }\n      - group: { name: Two }\ngroups:\n  - community_handle: a\n    group: { name: Three }\n  - community_id: f2a0\n    group: { name: Four }\n`,
    });
    const { entries, counts } = await loaded([p['m.yaml']]);
    expect(counts).toEqual({ communities: 1, groups: 4, files: 1 });
    const summary = entries.map((e) =>
      e.kind === 'community' ? ['community', e.handle, e.pos.line, e.pos.column] : ['group', e.key, e.parentHandle ?? e.parentId, e.pos.line, e.pos.column],
    );
    expect(summary).toEqual([
      ['community', 'a', 6, 5],
      ['group', 'first', 'a', 9, 9],
      ['group', 'Two', 'a', 11, 9],
      ['group', 'Three', 'a', 13, 5],
      ['group', 'Four', 'f2a0', 15, 5],
    ]);
    expect((entries[4] as GroupEntry).parentHandle).toBeUndefined();
    expect((entries[0] as CommunityEntry).pos.file).toBe(p['m.yaml']);
  });

  it('deep-merges defaults, the entry winning; lists replace; null removes a default', async () => {
    const p = files({
      'm.yaml': `version: 1
defaults:
  community:
    type: 1
    actions: [{ action_id: 3, access_type_id: 5 }]
    categories: { existing: [1] }
    description: default text
  group:
    type: 4
    settings: { discoverable: true }
    group: { tags: default-tag, topics: [1] }
communities:
  - handle: a
    name: A
    categories: { new: [x] }
  - handle: b
    name: B
    type: 2
    actions: [{ action_id: 5, access_type_id: 9 }]
    categories: { existing: [7] }
    description: ~
groups:
  - community_handle: a
    group: { name: G, topics: [2, 3] }
  - community_handle: a
    type: 6
    settings: { discoverable: false }
    group: { name: H, tags: ~ }
`,
    });
    const { entries } = await loaded([p['m.yaml']]);
    expect(entries.map((e) => e.body)).toStrictEqual([
      {
        handle: 'a',
        name: 'A',
        type: 1,
        actions: [{ action_id: 3, access_type_id: 5 }],
        categories: { existing: [1], new: ['x'] },
        description: 'default text',
      },
      { handle: 'b', name: 'B', type: 2, actions: [{ action_id: 5, access_type_id: 9 }], categories: { existing: [7] } },
      { type: 4, settings: { discoverable: true }, group: { name: 'G', tags: 'default-tag', topics: [2, 3] } },
      { type: 6, settings: { discoverable: false }, group: { name: 'H', topics: [1] } },
    ]);
  });

  it('checks defaults once, not again in every entry', async () => {
    const lines = await yamlFaults(`version: 1
defaults:
  community: { handle: x, type: "1", nmae: y, actions: [] }
  group: { key: k, type: 4 }
  other: {}
communities:
  - handle: ok
    name: OK
`);
    expect(lines).toEqual([
      'm.yaml:3:16: defaults.community.handle: cannot be a default: it must be given for each community',
      'm.yaml:3:33: defaults.community.type: expected an integer, got text',
      'm.yaml:3:38: defaults.community.nmae: unknown field "nmae" (did you mean "name"?)',
      'm.yaml:4:12: defaults.group.key: cannot be a default: it must be given for each group',
      'm.yaml:5:3: defaults.other: unknown defaults kind "other"',
    ]);
  });

  it('adopts a community given by community_id: no body, only the handle required', async () => {
    const p = files({
      'm.yaml': `version: 1
communities:
  - handle: old-one
    community_id: 0a2be302-04af-4642-a436-1612554e48a6
    groups:
      - type: 4
        group: { name: Archive }
`,
    });
    const { entries, warnings } = await loaded([p['m.yaml']]);
    expect(warnings).toEqual([]);
    expect(entries[0]).toStrictEqual({
      kind: 'community',
      handle: 'old-one',
      communityId: '0a2be302-04af-4642-a436-1612554e48a6',
      pos: { file: p['m.yaml'], line: 3, column: 5 },
    });
    expect(entries[1]).toMatchObject({ kind: 'group', key: 'Archive', parentHandle: 'old-one' });
  });

  it('still type-checks an adopted community, and warns that its fields are not sent', async () => {
    const p = files({ 'm.yaml': 'version: 1\ncommunities:\n  - handle: old\n    community_id: 123\n    name: 5\n  - community_id: abc\n' });
    expect(await faultLines([p['m.yaml']])).toEqual([
      'm.yaml:4:19: community_id: must be the id (text) of an existing community',
      'm.yaml:5:11: name: expected text, got an integer (put it in quotes)',
      'm.yaml:6:5: handle: required (an adopted community still needs its handle)',
    ]);
    const q = files({ 'm.yaml': 'version: 1\ncommunities:\n  - handle: old\n    community_id: abc\n    name: Old\n' });
    const { warnings } = await loaded([q['m.yaml']]);
    expect(warnings.map((w) => `${w.line}:${w.column}: ${w.field}: ${w.message}`)).toEqual([
      '5:5: name: community_id is given, so this community is adopted as it is: name is not sent',
    ]);
  });
});
