// loadManifests across files: defaults for every file, references between files, the
// error list, streaming, and the worked examples in manifests/.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ManifestError } from '../../src/errors.js';
import type { ManifestEntry } from '../../src/manifest/entry.js';
import { DEFAULT_LIMITS, loadManifests } from '../../src/manifest/load.js';
import { YAML_HEAD, faultLines, files, load, loaded } from './helpers.js';

describe('the worked examples in manifests/ validate', () => {
  it.each([
    [['manifests/example.yaml'], { communities: 3, groups: 8, files: 1 }],
    [['manifests/adopt.yaml'], { communities: 1, groups: 3, files: 1 }],
    [['manifests/defaults.yaml', 'manifests/communities.csv', 'manifests/groups.csv'], { communities: 3, groups: 4, files: 3 }],
    [['manifests/doc-bodies.yaml'], { communities: 1, groups: 1, files: 1 }],
    [['manifests/doc-bodies.csv'], { communities: 1, groups: 1, files: 1 }],
  ])('%j', async (paths, counts) => {
    const result = await loaded(paths);
    expect(result.counts).toEqual(counts);
    expect(result.warnings).toEqual([]);
    expect(result.entries).toHaveLength(counts.communities + counts.groups);
  });

  it('example.yaml uses category ids 1..10 only and no adoption', async () => {
    const { entries } = await loaded(['manifests/example.yaml']);
    for (const e of entries) {
      if (e.kind !== 'community') continue;
      expect(e.communityId).toBeUndefined();
      for (const id of e.body?.categories?.existing ?? []) {
        expect(id).toBeGreaterThanOrEqual(1);
        expect(id).toBeLessThanOrEqual(10);
      }
    }
  });
});

describe('defaults', () => {
  it('apply to CSV files too, whatever the order of the files', async () => {
    const p = files({
      'c.csv': 'handle,name\nc1,One\n',
      'd.yaml': 'version: 1\ndefaults:\n  community: { type: 3, actions: [{ action_id: 1, access_type_id: 2 }] }\n  group: { type: 4, settings: { discoverable: true } }\n',
      'g.csv': 'community_handle,group.name,settings.discoverable\nc1,G,no\n',
    });
    const { entries } = await loaded([p['c.csv'], p['g.csv'], p['d.yaml']]);
    expect(entries.map((e) => e.body)).toStrictEqual([
      { handle: 'c1', name: 'One', type: 3, actions: [{ action_id: 1, access_type_id: 2 }] },
      { type: 4, group: { name: 'G' }, settings: { discoverable: false } },
    ]);
  });

  it('from several files combine; a leaf set differently is a fault', async () => {
    const p = files({
      'a.yaml': 'version: 1\ndefaults:\n  group: { type: 4, settings: { discoverable: true } }\n',
      'b.yaml': 'version: 1\ndefaults:\n  community: { type: 1, actions: [] }\n  group: { settings: { discoverable: true } }\n',
      'c.yaml': 'version: 1\ndefaults:\n  group: { type: 5 }\n',
    });
    expect((await load([p['a.yaml'], p['b.yaml']])).ok).toBe(true);
    expect(await faultLines([p['a.yaml'], p['b.yaml'], p['c.yaml']])).toEqual([
      `c.yaml:3:18: defaults.group.type: set differently in the defaults of ${p['a.yaml']}: defaults apply to every file of a run, so they must agree`,
    ]);
  });

  it('do not leak between entries (bodies are copies)', async () => {
    const p = files({ 'm.yaml': `${YAML_HEAD}communities:\n  - { handle: a, name: A }\n  - { handle: b, name: B }\n`, 'c.csv': 'handle,name\nc,C\n' });
    const { entries } = await loaded([p['m.yaml'], p['c.csv']]);
    const [a, b, c] = entries.map((e) => e.body as { actions: unknown[] });
    a.actions.push({ action_id: 9, access_type_id: 9 });
    expect(b.actions).toEqual([]);
    expect(c.actions).toEqual([]);
  });
});

describe('references across files', () => {
  it('reports a duplicate handle naming both places; a case-only difference is a warning', async () => {
    const p = files({
      'a.yaml': `${YAML_HEAD}communities:\n  - { handle: tech, name: A }\n  - { handle: Music, name: M }\n`,
      'b.csv': 'handle,name\nart,Art\ntech,Again\n',
      'c.csv': 'handle,name\nmusic,m\n',
    });
    expect(await faultLines([p['a.yaml'], p['b.csv']])).toEqual([`b.csv:3: handle: duplicate handle "tech" (first at ${p['a.yaml']}:6)`]);
    const { warnings } = await loaded([p['a.yaml'], p['c.csv']]);
    expect(warnings.map((w) => `${w.line}: ${w.field}: ${w.message}`)).toEqual([
      `2: handle: handle "music" differs only in case from "Music" at ${p['a.yaml']}:7: the API may treat them as the same`,
    ]);
  });

  it('resolves community_handle against communities of any file, even a later one', async () => {
    const p = files({
      'g.csv': 'community_handle,group.name\nlater,G\n',
      'c.yaml': `${YAML_HEAD}communities:\n  - { handle: later, name: L }\n`,
    });
    const { entries } = await loaded([p['g.csv'], p['c.yaml']]);
    expect(entries.map((e) => e.kind)).toEqual(['group', 'community']);
  });

  it('reports an unresolved community_handle once, at its first use, with the count', async () => {
    const p = files({
      'c.yaml': `${YAML_HEAD}communities:\n  - { handle: tech-world, name: T }\n`,
      'g.csv': 'community_handle,group.name\ntech-wrld,A\ntech-wrld,B\ntech-wrld,C\nnowhere,D\n',
    });
    expect(await faultLines([p['c.yaml'], p['g.csv']])).toEqual([
      'g.csv:2: community_handle: no community "tech-wrld" in these manifests or among those already created (and 2 more groups) (did you mean "tech-world"?)',
      'g.csv:5: community_handle: no community "nowhere" in these manifests or among those already created',
    ]);
  });

  it('accepts a handle the ledger knows (isKnownHandle)', async () => {
    const p = files({ 'g.csv': 'community_handle,type,group.name\nmade-last-week,4,G\nunknown,4,H\n' });
    const asked: string[] = [];
    const isKnownHandle = (h: string) => (asked.push(h), h === 'made-last-week');
    expect(await faultLines([p['g.csv']], { isKnownHandle })).toEqual([
      'g.csv:3: community_handle: no community "unknown" in these manifests or among those already created',
    ]);
    expect(asked.sort()).toEqual(['made-last-week', 'unknown']);
    const q = files({ 'g.csv': 'community_handle,type,group.name\nmade-last-week,4,G\n' });
    const { entries } = await loaded([q['g.csv']], { isKnownHandle });
    expect(entries[0]).toMatchObject({ kind: 'group', parentHandle: 'made-last-week', key: 'G' });
  });

  it('adoption: an adopted community is a parent like any other', async () => {
    const p = files({
      'a.csv': 'handle,community_id\nold-one,0a2be302\n',
      'g.yaml': 'version: 1\ngroups:\n  - { community_handle: old-one, type: 4, group: { name: News } }\n  - { community_id: f2a05adb, type: 4, group: { name: News } }\n',
    });
    const { entries } = await loaded([p['a.csv'], p['g.yaml']]);
    expect(entries.map((e) => (e.kind === 'community' ? [e.handle, e.communityId, e.body] : [e.key, e.parentHandle ?? e.parentId]))).toEqual([
      ['old-one', '0a2be302', undefined],
      ['News', 'old-one'],
      ['News', 'f2a05adb'],
    ]);
  });

  it('a file that cannot be read does not make every reference to it a fault too', async () => {
    const p = files({
      'c.yaml': 'version: 1\ncommunities: [\n',
      'g.csv': 'community_handle,type,group.name\ntech,4,A\nmusic,4,B\n',
    });
    const lines = await faultLines([p['c.yaml'], p['g.csv']]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^c\.yaml:3:1: yaml: /);
  });

  it('group keys are unique per community, not across communities', async () => {
    const p = files({ 'g.csv': 'community_id,key,type,group.name\nx,k,4,A\ny,k,4,B\nx,k,4,C\n' });
    const lines = await faultLines([p['g.csv']]);
    expect(lines).toEqual([`g.csv:4: key: duplicate group key "k" in community with id x (first at ${p['g.csv']}:2): give each group a distinct key or group.name`]);
  });
});

describe('the error list', () => {
  it('every file is checked and every fault reported, in file order', async () => {
    const p = files({ 'a.yaml': 'version: 2\n', 'b.csv': 'handle,nmae\n', 'x.json': '{}' });
    const dir = dirname(p['a.yaml']);
    mkdirSync(join(dir, 'sub.yaml'));
    expect(await faultLines([p['a.yaml'], join(dir, 'missing.csv'), p['b.csv'], p['x.json'], join(dir, 'sub.yaml')])).toEqual([
      'a.yaml:1:10: version: must be 1 (the only manifest version)',
      'missing.csv:1: file: no such file',
      'b.csv:1:2: nmae: unknown column "nmae" (did you mean "name"?)',
      'x.json:1: file: unknown manifest type ".json": use .yaml, .yml or .csv',
      'sub.yaml:1: file: is a directory, not a manifest file',
    ]);
  });

  it('a file that is not there suggests the nearest file of its directory', async () => {
    const p = files({ 'brand.yaml': 'version: 1\n', 'groups.csv': 'community_handle,type,group.name\n', 'notes.txt': 'x' });
    const dir = dirname(p['brand.yaml']);
    expect(await faultLines([join(dir, 'brand.yml'), join(dir, 'Groups.csv'), join(dir, 'grops.csv'), join(dir, 'unrelated-name.yaml')])).toEqual([
      `brand.yml:1: file: no such file (did you mean "${join(dir, 'brand.yaml')}"?)`,
      `Groups.csv:1: file: no such file (did you mean "${join(dir, 'groups.csv')}"?)`,
      `grops.csv:1: file: no such file (did you mean "${join(dir, 'groups.csv')}"?)`,
      'unrelated-name.yaml:1: file: no such file',
    ]);
  });

  it('throws ManifestError carrying the faults (exit code 2)', async () => {
    const p = files({ 'a.yaml': 'version: 2\n' });
    const err = await loadManifests([p['a.yaml']]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ManifestError);
    expect((err as ManifestError).exitCode).toBe(2);
    expect((err as ManifestError).faults).toHaveLength(1);
  });

  it('stops listing at maxFaults and says how many more', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `c${i},x\n`).join('');
    const p = files({ 'm.csv': `handle,type\n${rows}` });
    const lines = await faultLines([p['m.csv']], { limits: { maxFaults: 5 } });
    expect(lines).toHaveLength(6);
    expect(lines[5]).toMatch(/^m\.csv:7: manifest: … and 25 more: only the first 5 are listed \(limit maxFaults; raise it with GENUIN_MAX_ERRORS\)$/);
  });

  it('reads a file given twice once, with a warning', async () => {
    const p = files({ 'm.yaml': `${YAML_HEAD}communities:\n  - { handle: a, name: A }\n` });
    const { entries, warnings, counts } = await loaded([p['m.yaml'], p['m.yaml']]);
    expect(entries).toHaveLength(1);
    expect(counts.files).toBe(1);
    expect(warnings.map((w) => w.message)).toEqual([`same file as ${p['m.yaml']}: read once`]);
  });

  it('enforces file size limits', async () => {
    const p = files({ 'm.yaml': `${YAML_HEAD}\n${'#'.repeat(2000)}\n`, 'm.csv': `handle,name\n${'c,n\n'.repeat(1000)}` });
    expect(await faultLines([p['m.yaml'], p['m.csv']], { limits: { maxYamlBytes: 1000, maxFileBytes: 1000 } })).toEqual([
      'm.yaml:1: file: file is 2.0 KiB, larger than the limit of 1000 bytes (limit maxYamlBytes; raise it with GENUIN_MAX_YAML_BYTES)',
      'm.csv:1: file: file is 3.9 KiB, larger than the limit of 1000 bytes (limit maxFileBytes; raise it with GENUIN_MAX_MANIFEST_BYTES)',
    ]);
  });

  it('exports sane default limits', () => {
    expect(DEFAULT_LIMITS).toMatchObject({ maxYamlBytes: 16 * 1024 ** 2, maxCellBytes: 64 * 1024, maxDepth: 32, maxListLength: 10_000, maxFaults: 1000 });
    expect(DEFAULT_LIMITS.maxFileBytes).toBeGreaterThanOrEqual(2 * 1024 ** 3);
  });
});

describe('streaming', () => {
  it('hands entries to onEntry in file order and keeps none itself', async () => {
    const p = files({
      'a.yaml': `${YAML_HEAD}communities:\n  - handle: a\n    name: A\n    groups: [{ group: { name: G } }]\n`,
      'b.csv': 'kind,handle,name,community_handle,group.name\ncommunity,b,B,,\ngroup,,,a,H\n',
    });
    const seen: ManifestEntry[] = [];
    const result = await loadManifests([p['a.yaml'], p['b.csv']], { onEntry: (e) => seen.push(e) });
    expect(result.entries).toEqual([]);
    expect(result.counts).toEqual({ communities: 2, groups: 2, files: 2 });
    expect(seen.map((e) => `${e.pos.file.endsWith('a.yaml') ? 'a' : 'b'}:${e.pos.line}:${e.kind}`)).toEqual([
      'a:6:community',
      'a:8:group',
      'b:2:community',
      'b:3:group',
    ]);
  });
});

describe('bad input never crashes', () => {
  const yamlish = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.array(fc.constantFrom('version: 1\n', 'communities:\n', '  - ', 'handle: x\n', 'groups: [', '{', '}', ']', ': ', '&a ', '*a ', '!!str ', '"', "'", '\n', '  ', '- ', '#'), { maxLength: 40 }).map((a) => a.join('')),
  );
  const csvish = fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
    fc.array(fc.constantFrom('handle', 'name', 'kind', 'community_handle', 'group.name', ',', '"', '""', '\n', '\r\n', ';', '1;2', '3:5', 'phone:1', '[', '{', 'x'), { maxLength: 40 }).map((a) => a.join('')),
  );

  it('random YAML and CSV give a result or a ManifestError, nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(yamlish, csvish, async (y, c) => {
        const p = files({ 'r.yaml': y, 'r.csv': c });
        const outcome = await load([p['r.yaml'], p['r.csv']]);
        if (!outcome.ok) {
          for (const f of outcome.faults) {
            expect(f.line).toBeGreaterThanOrEqual(1);
            expect(f.message.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 150, seed: 20261125 },
    );
  });
});
