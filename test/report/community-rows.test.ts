// `report <manifests>` after a run whose communities failed: the groups they blocked get `blocked`
// rows (the run wrote nothing for them), group rows carry their parent's community_id, and
// `report --by-community` tallies each community's groups.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { simulatorWorkspace } from '../helpers/workspace.js';
import { communitySummaries } from '../../src/report/by-community.js';
import type { ReportRow } from '../../src/report/rows.js';

const TOKEN = 'test-token-community-rows';
const ws = simulatorWorkspace(TOKEN);
const run = (args: string[]) => runCli(args, { env: ws.env(), cwd: ws.dir });

/** `good` is created with two groups; `bad` is refused (unknown category 999, 404 5220), so its two groups are blocked. */
function brand(): string {
  return ws.write(
    'brand.yaml',
    `version: 1
communities:
  - handle: good
    name: Good
    type: 1
    actions: []
    groups:
      - { group: { name: One }, type: 4 }
      - { group: { name: Two }, type: 4 }
  - handle: bad
    name: Bad
    type: 1
    actions: []
    categories: { existing: [999] }
    groups:
      - { group: { name: Three }, type: 4 }
      - { group: { name: Four }, type: 4 }
`,
  );
}

describe('report <manifests> after a run with a failed community', () => {
  it('adds a blocked row for each group of the failed community; group rows carry the parent id', async () => {
    const manifest = brand();
    const applied = await run(['apply', manifest, '--quiet']);
    expect(applied.code).toBe(1);
    expect(applied.stdout).toMatch(/blocked 2/);
    const goodId = ws.sim.state.snapshot().communities.find((c) => c.handle === 'good')!.community_id;

    const r = await run(['report', manifest, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as ReportRow[];
    expect(rows.map((x) => [x.kind, x.key, x.status, x.community_id])).toEqual([
      ['community', 'good', 'created', goodId],
      ['community', 'bad', 'failed', null],
      ['group', 'good/One', 'created', goodId],
      ['group', 'good/Two', 'created', goodId],
      ['group', 'bad/Three', 'blocked', null],
      ['group', 'bad/Four', 'blocked', null],
    ]);
    expect(rows.find((x) => x.key === 'bad/Three')!.error_message).toBe('parent community "bad" failed (see that community)');

    // Without the manifests: the ledger alone, group rows still with their parent's id.
    const alone = JSON.parse((await run(['report', '--format', 'json'])).stdout) as ReportRow[];
    expect(alone.filter((x) => x.kind === 'group').map((x) => [x.key, x.community_id])).toEqual([
      ['good/One', goodId],
      ['good/Two', goodId],
    ]);
    // The CSV has the same id in the group rows' community_id column.
    const csv = (await run(['report'])).stdout.split('\r\n');
    expect(csv.find((l) => l.startsWith('group,good/One,created,'))).toContain(`,${goodId},`);
  });

  it('--by-community: one row per community with its groups created / in doubt / failed / blocked (CSV and JSON)', async () => {
    const manifest = brand();
    expect((await run(['apply', manifest, '--quiet'])).code).toBe(1);
    const goodId = ws.sim.state.snapshot().communities.find((c) => c.handle === 'good')!.community_id;
    const json = await run(['report', '--by-community', manifest, '--format', 'json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      { community: 'good', community_id: goodId, status: 'created', groups: 2, created: 2, in_doubt: 0, failed: 0, blocked: 0, other: 0 },
      { community: 'bad', community_id: null, status: 'failed', groups: 2, created: 0, in_doubt: 0, failed: 0, blocked: 2, other: 0 },
    ]);
    const csv = await run(['report', '--by-community', manifest]);
    expect(csv.stdout).toBe(`community,community_id,status,groups,created,in_doubt,failed,blocked,other\r\ngood,${goodId},created,2,2,0,0,0,0\r\nbad,,failed,2,0,0,0,2,0\r\n`);
    const both = await run(['report', '--by-community', '--failed']);
    expect(both.code).toBe(2);
  });
});

describe('communitySummaries', () => {
  const row = (kind: 'community' | 'group', key: string, status: ReportRow['status'], community_id: string | null = null): ReportRow => ({
    kind, key, status, community_id, chat_id: null, group_id: null, share_url: null, error_code: null, error_message: null, attempts: 0, updated_at: null,
  });
  it('places a group under its parent by handle or by id, in flight counts as in doubt, a parent without a row gets one', () => {
    expect(
      communitySummaries([
        row('group', 'a/x', 'in_flight', 'A1'),
        row('community', 'a', 'created', 'A1'),
        row('group', 'A1/y', 'failed', 'A1'),
        row('group', 'a/z', 'abandoned', 'A1'),
        row('group', 'ext-id/w', 'created', 'ext-id'),
      ]),
    ).toEqual([
      { community: 'a', community_id: 'A1', status: 'created', groups: 3, created: 0, in_doubt: 1, failed: 1, blocked: 0, other: 1 },
      { community: 'ext-id', community_id: 'ext-id', status: null, groups: 1, created: 1, in_doubt: 0, failed: 0, blocked: 0, other: 0 },
    ]);
  });
});
