// CSV rows that skip zod (src/manifest/row-check.ts) load exactly as if zod had seen them: the
// same entries, the same request bodies byte for byte (key order included: it is what is sent
// and what drift hashes), and the same faults. The zod path is forced by an empty YAML defaults
// file beside the CSV (rows with defaults always go through zod). Random headers (columns
// dropped and shuffled) and random cells: valid, invalid, blank, JSON. Fixed seeds.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { afterAll, describe, expect, it, vi } from 'vitest';

import { CommunityBodySchema, GroupFieldsSchema } from '../../src/api/schema.js';

import { ManifestError, formatFault } from '../../src/errors.js';
import { loadManifests } from '../../src/manifest/load.js';

const dir = mkdtempSync(join(tmpdir(), 'genuin-row-check-'));
const RUNS = Number(process.env.FC_RUNS ?? 100);
const seed = (fixed: number) => (process.env.FC_SEED ? Number(process.env.FC_SEED) + fixed : fixed);
let runs = 0;
let accepted = 0;
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  console.log(`fast-check CSV row check vs zod: ${runs} runs, ${accepted} entries accepted`);
});

const EMPTY_DEFAULTS = join(dir, 'empty-defaults.yaml');
writeFileSync(EMPTY_DEFAULTS, 'version: 1\ndefaults:\n  community: {}\n  group: {}\n');

// Per column, cells that pass, cells that fail, blanks and JSON.
const CELLS: Record<string, string[]> = {
  handle: ['c1', 'c2', 'c3', 'has space', 'C1', ''],
  name: ['A name', ' ', '', 'x'],
  type: ['1', '4', '-2', 'one', '1.5', '', '99999999999999999999'],
  actions: ['3:5', '3:5;5:9', '[]', '[{"action_id":3,"access_type_id":5}]', '[{"action_id":"3"}]', '3', ''],
  description: ['text', '', '{"not":"json here"}', '12'],
  tags: ['a,b', ''],
  'categories.existing': ['1;2', '[1,2]', 'x', ''],
  'categories.new': ['a;b', '["a"]', '[1]', ''],
  is_ai_generated: ['true', 'no', 'maybe', ''],
  users: ['u1;u2', '[{"user_id":""}]', '[{"user_id":"u"}]', ''],
  community_handle: ['c1', 'c2', 'nope', ''],
  key: ['k1', 'k2', ''],
  'group.name': ['G', '', ' '],
  'group.members': ['phone:+1555;user:u9', 'user:', '[{"user_id":""}]', 'fax:1', ''],
  'group.topics': ['1;2', '[1,"2"]', ''],
  'recorded_video.duration': ['12.5', '-1', '1e999', '0', ''],
  'recorded_video.link': ['', 'https://x'],
  recorded_video: ['{"link":""}', '{"size":1}', ''],
  'settings.discoverable': ['1', 'false', ''],
  template_id: ['7', '7.5', ''],
  chat_id: ['ch', ''],
};
const COMMUNITY_COLUMNS = ['handle', 'name', 'type', 'actions', 'description', 'tags', 'categories.existing', 'categories.new', 'is_ai_generated', 'users'];
const GROUP_COLUMNS = ['community_handle', 'key', 'type', 'actions', 'group.name', 'group.members', 'group.topics', 'recorded_video.duration', 'recorded_video.link', 'settings.discoverable', 'template_id', 'chat_id'];

function file(kind: 'community' | 'group', keep: boolean[], order: number[], picks: number[][]): string {
  const all = kind === 'community' ? COMMUNITY_COLUMNS : GROUP_COLUMNS;
  // Required columns stay most of the time; others come and go; the order is shuffled.
  const columns = order.map((i) => all[i % all.length]).filter((c, i, a) => a.indexOf(c) === i && (keep[i] ?? true));
  if (kind === 'group' && !columns.includes('community_handle')) columns.push('community_handle');
  if (kind === 'community' && !columns.includes('handle')) columns.push('handle');
  // Mostly the first cell of each list (a valid one), so that many rows are accepted.
  const rows = picks.map((p) => columns.map((c, i) => CELLS[c][(p[i] ?? 0) < CELLS[c].length ? p[i] : 0]));
  return stringify([columns, ...rows]);
}

async function load(files: string[]) {
  const entries: unknown[] = [];
  try {
    await loadManifests(files, { onEntry: (e) => entries.push({ ...e, body: JSON.stringify((e as { body?: unknown }).body) }) });
    return { entries, faults: [] as string[] };
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    return { entries, faults: error.faults.map(formatFault) };
  }
}

describe('CSV rows that skip zod', () => {
  it('are the rows of typed cells; with defaults, or a JSON cell, rows go through zod', async () => {
    const path = join(dir, 'clean.csv');
    writeFileSync(path, 'kind,handle,name,type,actions,community_handle,group.name,group.topics\ncommunity,c1,One,1,3:5,,,\ngroup,,,4,,c1,G1,1;2\ngroup,,,4,,c1,G2,[3]\n');
    const community = vi.spyOn(CommunityBodySchema, 'safeParse');
    const group = vi.spyOn(GroupFieldsSchema, 'safeParse');
    try {
      await load([path]);
      expect([community.mock.calls.length, group.mock.calls.length]).toEqual([0, 1]); // G2's JSON cell
      community.mockClear();
      group.mockClear();
      await load([EMPTY_DEFAULTS, path]); // (the defaults themselves are checked too)
      expect(community.mock.calls.length).toBeGreaterThanOrEqual(1);
      expect(group.mock.calls.length).toBeGreaterThanOrEqual(3);
    } finally {
      community.mockRestore();
      group.mockRestore();
    }
  });

  for (const [kind, fixed] of [['community', 1], ['group', 2]] as const) {
    it(`${kind} rows: the same entries, bodies (byte for byte) and faults as through zod`, async () => {
      const n = (kind === 'community' ? COMMUNITY_COLUMNS : GROUP_COLUMNS).length;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.nat({ max: 3 }), { minLength: n, maxLength: n }).map((a) => a.map((x, i) => x > 0 || i < 2)),
          fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
          fc.array(fc.array(fc.nat({ max: 30 }), { minLength: n, maxLength: n }), { minLength: 1, maxLength: 6 }),
          async (keep, order, picks) => {
            runs++;
            const path = join(dir, `${kind}.csv`);
            writeFileSync(path, file(kind, keep, order, picks));
            const communities = join(dir, 'parents.csv');
            writeFileSync(communities, 'handle,name,type,actions\nc1,One,1,3:5\nc2,Two,1,3:5\n');
            const files = kind === 'group' ? [communities, path] : [path];
            const fast = await load(files);
            const zod = await load([EMPTY_DEFAULTS, ...files]);
            expect(fast).toEqual(zod);
            accepted += fast.entries.length;
          },
        ),
        { numRuns: RUNS, seed: seed(fixed) },
      );
    });
  }
});
