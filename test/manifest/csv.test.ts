// CSV manifests: typing through the field table, physical start lines, malformed files.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';

import { communityBodySchema, groupFieldsSchema } from '../../src/api/schema.js';
import { headerSchema } from '../../src/manifest/csv/schema.js';
import type { CommunityEntry, GroupEntry } from '../../src/manifest/entry.js';
import { faultLines, files, loaded } from './helpers.js';

const DEFAULTS = 'version: 1\ndefaults:\n  community: { type: 1, actions: [] }\n  group: { type: 4 }\n';

async function csvFaults(text: string | Buffer, withDefaults = true): Promise<string[]> {
  const p = files({ 'd.yaml': DEFAULTS, 'm.csv': text });
  return faultLines(withDefaults ? [p['d.yaml'], p['m.csv']] : [p['m.csv']]);
}

async function csvEntries(text: string | Buffer) {
  const p = files({ 'd.yaml': DEFAULTS, 'm.csv': text });
  return (await loaded([p['d.yaml'], p['m.csv']])).entries;
}

describe('CSV rows become bodies', () => {
  it('types every cell through the schema-derived field table', async () => {
    const csv =
      'handle,name,type,actions,categories.existing,categories.new,is_ai_generated,users,description\n' +
      'c1,Tech,2,3:5;5:9,1;2,abc;aAa,yes,u1;u2,"says ""hi"", twice"\n';
    const [c] = (await csvEntries(csv)) as CommunityEntry[];
    expect(c.body).toStrictEqual({
      handle: 'c1',
      name: 'Tech',
      type: 2,
      actions: [
        { action_id: 3, access_type_id: 5 },
        { action_id: 5, access_type_id: 9 },
      ],
      categories: { existing: [1, 2], new: ['abc', 'aAa'] },
      is_ai_generated: true,
      users: [{ user_id: 'u1' }, { user_id: 'u2' }],
      description: 'says "hi", twice',
    });
  });

  it('builds nested objects from dotted columns, and takes JSON cells', async () => {
    const csv =
      'community_handle,key,group.name,group.members,settings.discoverable,recorded_video.meta_data.topic,recorded_video.duration,actions\n' +
      'c1,k,Talk,phone:919876543210;user:abcd,no,Open Discussion,2.5,"[{""action_id"":3,""access_type_id"":5}]"\n';
    const p = files({ 'd.yaml': `${DEFAULTS}communities:\n  - { handle: c1, name: C }\n`, 'g.csv': csv });
    const { entries } = await loaded([p['d.yaml'], p['g.csv']]);
    const g = entries[1] as GroupEntry;
    expect(g).toMatchObject({ kind: 'group', key: 'k', parentHandle: 'c1', pos: { line: 2 } });
    expect(g.body).toStrictEqual({
      type: 4,
      group: { name: 'Talk', members: [{ phone_number: '919876543210' }, { user_id: 'abcd' }] },
      settings: { discoverable: false },
      recorded_video: { meta_data: { topic: 'Open Discussion' }, duration: 2.5 },
      actions: [{ action_id: 3, access_type_id: 5 }],
    });
  });

  it('keeps string cells as text even when they look like numbers or JSON', async () => {
    const csv = 'handle,name,tags,description\nc1,123,007,"{""not"": ""parsed""}"\n';
    const [c] = (await csvEntries(csv)) as CommunityEntry[];
    expect(c.body).toMatchObject({ name: '123', tags: '007', description: '{"not": "parsed"}' });
  });

  it('treats an empty (or blank) cell as absent, so defaults apply', async () => {
    const csv = 'handle,name,type,description\nc1,One,,\nc2,Two,7,  \n';
    const entries = (await csvEntries(csv)) as CommunityEntry[];
    expect(entries.map((e) => e.body)).toStrictEqual([
      { handle: 'c1', name: 'One', type: 1, actions: [] },
      { handle: 'c2', name: 'Two', type: 7, actions: [] },
    ]);
  });

  it('reads a UTF-8 BOM, CRLF line ends and quoted CRLFs, with physical start lines', async () => {
    const csv = '\uFEFFhandle,name,description\r\nc1,One,"two\r\nlines"\r\nc2,Two,"a, b"\r\n\r\nc3,Three,x\r\n';
    const entries = (await csvEntries(csv)) as CommunityEntry[];
    expect(entries.map((e) => [e.handle, e.pos.line])).toEqual([
      ['c1', 2],
      ['c2', 4],
      ['c3', 6],
    ]);
    expect(entries[0].body?.description).toBe('two\r\nlines');
    expect(Object.keys(entries[0].body!)).not.toContain('\uFEFFhandle');
  });

  it('counts lines across mixed line ends (\\r, \\n, \\r\\n) and quoted line breaks', async () => {
    const csv = 'handle,name,description\rc1,One,x\nc2,Two,"a\nb\nc"\r\nc3,Three,"quoted\rCR"\rc4,Four,y\n';
    const entries = (await csvEntries(csv)) as CommunityEntry[];
    expect(entries.map((e) => [e.handle, e.pos.line])).toEqual([
      ['c1', 2],
      ['c2', 3],
      ['c3', 6],
      ['c4', 7],
    ]);
  });

  it('sends bodies in the key order of the schema, whatever the column order', async () => {
    const entries = (await csvEntries('description,actions,type,name,handle\nd,3:5,1,One,c1\n')) as CommunityEntry[];
    expect(JSON.stringify(entries[0].body)).toBe('{"handle":"c1","name":"One","type":1,"actions":[{"action_id":3,"access_type_id":5}],"description":"d"}');
  });

  it('mixes communities and groups with a kind column; skips empty rows', async () => {
    const csv =
      'kind,handle,name,community_handle,group.name,key\n' +
      'community,c1,One,,,\n' +
      ',,,,,\n' +
      'group,,,c1,First,\n' +
      'Group,,,c1,Second,k2\n';
    const entries = await csvEntries(csv);
    expect(entries.map((e) => (e.kind === 'community' ? [e.kind, e.handle, e.pos.line] : [e.kind, e.key, e.parentHandle, e.pos.line]))).toEqual([
      ['community', 'c1', 2],
      ['group', 'First', 'c1', 4],
      ['group', 'k2', 'c1', 5],
    ]);
  });

  it('ignores trailing columns without a header (Excel), unless they hold a value', async () => {
    expect(await csvEntries('handle,name,,\nc1,One,,\n')).toHaveLength(1);
    expect(await csvFaults('handle,name,,\nc1,One,,x\n')).toEqual(['m.csv:2:4: column 4: a value in a column with no name in the header']);
  });

  it('adopts a community row with community_id', async () => {
    const p = files({ 'm.csv': 'handle,community_id\nold,0a2be302\n' });
    const { entries, warnings } = await loaded([p['m.csv']]);
    expect(warnings).toEqual([]);
    expect(entries).toStrictEqual([{ kind: 'community', handle: 'old', communityId: '0a2be302', pos: { file: p['m.csv'], line: 2 } }]);
  });
});

describe('CSV faults carry file:line[:column]', () => {
  it.each<[string, string, string[]]>([
    [
      'bad cells, on the physical start line of the record (after a quoted newline)',
      'handle,name,description,type\nc1,One,"multi\nline\ntext",1\nc2,Two,ok,x\n',
      ['m.csv:5:4: type: expected an integer, got "x"'],
    ],
    ['a bad list item', 'handle,name,actions\nc1,One,3:5;9\n', ['m.csv:2:3: actions: item 2: expected action_id:access_type_id (like 3:5), got "9"']],
    ['a schema rule (zod), at its column', 'handle,name\nc 1,One\n', ['m.csv:2:1: handle: must not contain whitespace']],
    [
      'a required field with no column',
      'handle,description\nc1,x\n',
      ['m.csv:2: name: required (no "name" column, and no defaults.community.name in a YAML manifest)'],
    ],
    ['a required field with an empty cell', 'handle,name\nc1,\n', ['m.csv:2:2: name: required (the cell is empty)']],
    ['an unknown column with a suggestion', 'handle,nmae\nc1,One\n', ['m.csv:1:2: nmae: unknown column "nmae" (did you mean "name"?)']],
    ['a group column without its prefix', 'community_id,name\nx,G\n', ['m.csv:1:2: name: column "name" does not apply to group rows (did you mean "group.name"?)']],
    [
      'a column of the other kind',
      'handle,name,community_handle\nc1,One,x\n',
      ['m.csv:1:3: community_handle: column "community_handle" does not apply to community rows (add a "kind" column for a file that mixes communities and groups)'],
    ],
    ['duplicate header names', 'handle,name,name\nc1,One,One\n', ['m.csv:1:3: name: duplicate column "name" (also column 2)']],
    ['an overlapping JSON column', 'handle,name,categories,categories.existing\nc1,One,,1\n', ['m.csv:1:4: categories.existing: column "categories.existing" overlaps column "categories": use one or the other']],
    ['an unknown kind', 'kind,handle,name\ncomunity,c1,One\n', ['m.csv:2:1: kind: unknown kind "comunity" (did you mean "community"?)']],
    ['a group row with a community column', 'kind,handle,name,community_id,group.name\ngroup,x,,f2a0,G\n', ['m.csv:2:2: handle: column "handle" does not apply to a group row']],
    [
      'no way to tell the kind of rows',
      'name,type\nx,1\n',
      ['m.csv:1: csv: cannot tell communities from groups: add a "kind" column (community or group), or a "handle" column (communities) or "community_handle"/"community_id" (groups)'],
    ],
    [
      'a group with both parents',
      'community_handle,community_id,group.name\nc1,x,G\n',
      ['m.csv:2:2: community_id: give community_handle or community_id, not both'],
    ],
    ['a group without key or name', 'community_id,group.description\nx,d\n', ['m.csv:2: key: a group needs key or group.name']],
  ])('%s', async (_name, text, expected) => {
    expect(await csvFaults(text)).toEqual(expected);
  });

  it('says how to write an empty list', async () => {
    const p = files({ 'm.csv': 'handle,name,type,actions\nc1,One,1,\nc2,Two,1,[]\n' });
    expect(await faultLines([p['m.csv']])).toEqual([
      'm.csv:2:4: actions: required (the cell is empty: an empty cell means "not given"; write [] for an empty list)',
    ]);
  });

  it('does not echo a misspelt column as missing fields in every row', async () => {
    const p = files({ 'm.csv': 'handle,nmae,type,actions\nc1,One,1,[]\nc2,Two,x,[]\n' });
    expect(await faultLines([p['m.csv']])).toEqual([
      'm.csv:1:2: nmae: unknown column "nmae" (did you mean "name"?)',
      'm.csv:3:3: type: expected an integer, got "x"',
    ]);
  });
});

describe('malformed CSV is a fault, never a crash', () => {
  it.each<[string, string | Buffer, string[]]>([
    [
      'an unclosed quote, at the start of its record',
      'handle,name\nc1,"One\nc2,Two\n',
      ['m.csv:2:2: csv: a quoted field is never closed (a missing " in the record starting here): the rest of the file cannot be read'],
    ],
    [
      'a stray quote',
      'handle,name\nc1,"One" x\n',
      ['m.csv:2:2: csv: a closing quote is followed by other characters: inside a quoted field write a quote as ""'],
    ],
    [
      'a quote inside an unquoted field',
      'handle,name\nc1,On"e\n',
      ['m.csv:2:2: csv: a quote in the middle of an unquoted field: quote the whole field ("…") and write inner quotes as ""'],
    ],
    [
      'ragged rows, each reported, the file read on',
      'handle,name\nc1\nc2,Two,extra\nc3,Three\nc 4,Four\n',
      [
        'm.csv:2: csv: row has 1 cells, the header has 2 (a missing or extra comma, or an unquoted comma in a value?)',
        'm.csv:3: csv: row has 3 cells, the header has 2 (a missing or extra comma, or an unquoted comma in a value?)',
        'm.csv:5:1: handle: must not contain whitespace',
      ],
    ],
    ['a semicolon-delimited export', 'handle;name;type\nc1;One;1\n', ["m.csv:1: csv: file looks ';'-delimited (European Excel export): save as CSV with commas"]],
    ['a tab-delimited export', 'handle\tname\nc1\tOne\n', ['m.csv:1: csv: file looks tab-delimited: save as CSV with commas']],
    [
      'UTF-16 (little endian)',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('handle,name\n', 'utf16le')]),
      ['m.csv:1: file: file is UTF-16 encoded: re-save it as UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)")'],
    ],
    [
      'UTF-16 (big endian)',
      Buffer.from([0xfe, 0xff, 0, 0x68]),
      ['m.csv:1: file: file is UTF-16 encoded: re-save it as UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)")'],
    ],
    [
      'Windows-1252 text',
      Buffer.from('handle,name\nc1,One\nc2,Caf\xe9\n', 'latin1'),
      ['m.csv:3: file: file is not valid UTF-8 (a legacy encoding such as Windows-1252?): re-save it as UTF-8'],
    ],
    [
      'a NUL byte',
      Buffer.from('handle,name\nc1,O\0ne\n'),
      ['m.csv:2: file: file contains NUL bytes: it is binary, or UTF-16 without a byte order mark; re-save it as UTF-8 text'],
    ],
    ['an empty file', '', ['m.csv:1: csv: the file is empty: a CSV manifest starts with a header row of column names']],
  ])('%s', async (_name, text, expected) => {
    expect(await csvFaults(text)).toEqual(expected);
  });

  it('places a syntax error after megabytes of multi-line records at the line its record starts', async () => {
    // Several read chunks of records with quoted line breaks, then a stray quote: every record
    // before the error reaches the loader, and the error's line counts their line breaks.
    const rows = 40_000;
    let text = 'handle,name,description\n';
    for (let i = 0; i < rows; i++) text += `c${i},Name ${i},"line one\nline two"\n`;
    text += 'bad,"Na"me,x\n';
    expect(Buffer.byteLength(text)).toBeGreaterThan(1 << 20);
    const p = files({ 'd.yaml': DEFAULTS, 'm.csv': text });
    expect(await faultLines([p['d.yaml'], p['m.csv']])).toEqual([
      `m.csv:${2 + 2 * rows}:2: csv: a closing quote is followed by other characters: inside a quoted field write a quote as ""`,
    ]);
  });

  it('bounds a record (an unclosed quote cannot buffer the whole file)', async () => {
    const p = files({ 'm.csv': `handle,name\nc1,"${'x'.repeat(5000)}\n` });
    expect(await faultLines([p['m.csv']], { limits: { maxCellBytes: 100 } })).toEqual([
      'm.csv:2:2: csv: record longer than 1600 characters (an unclosed quote?): the rest of the file cannot be read (limit maxCellBytes; raise it with GENUIN_MAX_CELL_BYTES)',
    ]);
  });

  it('bounds a cell', async () => {
    const p = files({ 'm.csv': `handle,name,type,actions\nc1,${'x'.repeat(200)},1,[]\n` });
    expect(await faultLines([p['m.csv']], { limits: { maxCellBytes: 100 } })).toEqual([
      'm.csv:2:2: name: cell longer than 100 characters (limit maxCellBytes; raise it with GENUIN_MAX_CELL_BYTES)',
    ]);
  });

  it('keeps multi-byte characters cut by read chunks intact', async () => {
    // Files are read in 1 MiB chunks: put a 3-byte character across the first boundary.
    const head = 'handle,name,type,actions\n';
    const filler = `c0,${'x'.repeat((1 << 20) - head.length - 13)},1,[]\n`;
    const text = `${head}${filler}c1,€uro,1,[]\n`;
    expect(Buffer.byteLength(`${head}${filler}c1,`)).toBe((1 << 20) - 1);
    const entries = (await loaded([files({ 'm.csv': text })['m.csv']], { limits: { maxCellBytes: 2 << 20 } })).entries as CommunityEntry[];
    expect(entries.map((e) => e.body?.name?.slice(0, 4))).toEqual(['xxxx', '€uro']);
  });

  it('passes the csv-spectrum edge cases (quotes, commas, newlines, UTF-8)', async () => {
    const cases: Record<string, [string, number]> = {
      'comma_in_quotes.csv': ['first,last,address,city,zip\nJohn,Doe,120 any st.,"Anytown, WW",08123\n', 2],
      'escaped_quotes.csv': ['a,b\n1,"ha ""ha"" ha"\n3,4\n', 3],
      'newlines.csv': ['a,b,c\n1,2,3\n"Once upon \na time",5,6\n7,8,9\n', 5],
      'utf8.csv': ['a,b,c\n1,2,3\n4,5,ʤ\n', 3],
    };
    for (const [name, [text, lastLine]] of Object.entries(cases)) {
      // Each becomes a groups file: rename the first column to community_id, the second to group.name.
      const [header, ...rest] = text.split('\n');
      const cols = header.split(',');
      cols[0] = 'community_id';
      cols[1] = 'group.name';
      for (let i = 2; i < cols.length; i++) cols[i] = `group.${['description', 'tags', 'dp'][i - 2]}`;
      const p = files({ 'd.yaml': DEFAULTS, [name]: [cols.join(','), ...rest].join('\n') });
      const { entries } = await loaded([p['d.yaml'], p[name]]);
      expect(entries.at(-1)?.pos.line, name).toBe(lastLine);
    }
  });
});

describe('a header narrows the body schema (csv/schema.ts), with the same verdicts', () => {
  const cases: [string, z.ZodObject, string[], unknown][] = [
    ['a valid community', communityBodySchema(), ['handle', 'name', 'type', 'actions', 'description'], { handle: 'c1', name: 'One', type: 1, actions: [{ action_id: 3, access_type_id: 5 }], description: 'd' }],
    ['a missing required field', communityBodySchema(), ['handle', 'name'], { handle: 'c1', name: 'One' }],
    ['checks of their own', communityBodySchema(), ['handle', 'name', 'type', 'actions'], { handle: 'c 1', name: '', type: 1, actions: [] }],
    ['a JSON cell with an unknown key', communityBodySchema(), ['handle', 'name', 'type', 'actions', 'categories'], { handle: 'c', name: 'N', type: 1, actions: [], categories: { existng: [1] } }],
    ['dotted columns', groupFieldsSchema(), ['type', 'group.name', 'group.members', 'settings.discoverable', 'recorded_video.meta_data'], { type: 4, group: { name: 'G', members: [{ phone_number: '+1' }, { user_id: 'u' }] }, settings: { discoverable: true }, recorded_video: { meta_data: { topic: 't' } } }],
    ['a bad value under a dotted column', groupFieldsSchema(), ['type', 'group.name', 'group.members'], { type: 4, group: { name: '', members: [{ phone: '+1' }] } }],
    ['a JSON object column beside its dotted ones', groupFieldsSchema(), ['type', 'group', 'group.name'], { type: 4, group: { name: 'G', tags: 'x' } }],
  ];
  it.each(cases)('%s', (_name, schema, columns, body) => {
    const whole = schema.safeParse(body);
    const narrowed = headerSchema(schema, columns).safeParse(body);
    expect(narrowed.success).toBe(whole.success);
    expect(JSON.stringify(narrowed.data)).toBe(JSON.stringify(whole.data));
    expect(narrowed.error?.issues).toEqual(whole.error?.issues);
  });

  it('keeps only the named and the required fields', () => {
    expect(Object.keys(headerSchema(groupFieldsSchema(), ['group.name']).shape)).toEqual(['type', 'group']);
  });
});
