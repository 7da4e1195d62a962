// Exports a spreadsheet person can use, scripts' JSON, drift and help, driven through the built
// CLI against the simulator. The fix-and-reapply test follows the "error file" workflow end to
// end: report --failed → csv-parse → fix the rows → csv-stringify → apply → the server has them.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { simulatorWorkspace } from '../helpers/workspace.js';
import { runCli } from '../helpers/cli.js';

const TOKEN = 'ux-token-77c2a9e1';
const ws = simulatorWorkspace(TOKEN);

const env = ws.env;
const cli = (args: string[]) => runCli([...args, '--ledger', join(ws.dir, 'ledger.jsonl')], { env: env(), cwd: ws.dir });
const write = ws.write;

const BROKEN = `version: 1
defaults:
  community: { type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }
  group: { type: 4 }
communities:
  - handle: bad-category
    name: "=Bad; category"
    description: "- dashes, commas; semicolons and \\"quotes\\"\\nover two lines"
    categories: { existing: [999], new: ["a;b", "c"] }
    groups:
      - group: { name: Orphan, members: [{ phone_number: "919876543210" }, { user_id: u-1 }], topics: [1, 2] }
      - key: second
        group: { name: Second }
        settings: {}
  - handle: fine
    name: Fine
    groups:
      - group: { name: Video }
        recorded_video: { video_name: missing-clip.mp4, link: "", meta_data: { topic: Talk } }
      - group: { name: Fine too }
`;

type Row = Record<string, string>;

describe('report --failed <manifests>: the error file workflow', () => {
  it('writes failed items as manifest rows that, once fixed, apply creates exactly as meant', async () => {
    const manifest = write('brand.yaml', BROKEN);
    const first = await cli(['apply', manifest, '--rate', '100/s']);
    expect(first.code).toBe(1);
    expect(ws.sim.state.snapshot().communities.map((c) => c.handle)).toEqual(['fine']);

    const report = await cli(['report', '--failed', '--bom', '--out', join(ws.dir, 'fix.csv'), manifest]);
    expect(report.code).toBe(0);
    // Why each row is there, by its line in the file.
    expect(report.stderr).toMatch(/fix\.csv:2: failed: community bad-category: HTTP 404 code 5220/);
    expect(report.stderr).toMatch(/fix\.csv:\d+: blocked: group bad-category\/Orphan: waits for its community "bad-category"/);
    expect(report.stderr).toMatch(/fix\.csv:\d+: failed: group fine\/Video: HTTP 500 code 5026/);

    const text = readFileSync(join(ws.dir, 'fix.csv'), 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text).toContain('\r\n');
    const rows: Row[] = parse(text, { bom: true, columns: true });
    expect(rows.map((r) => `${r.kind} ${r.handle || `${r.community_handle}/${r.key}`}`)).toEqual([
      'community bad-category',
      'group bad-category/Orphan',
      'group bad-category/second',
      'group fine/Video',
    ]);
    // Verbatim values: a leading apostrophe would be sent to the API on the way back in.
    expect(rows[0]!.name).toBe('=Bad; category');
    expect(rows[0]!['categories.existing']).toBe('999');

    // The person fixes the two faults in a spreadsheet and saves it as CSV again.
    rows[0]!['categories.existing'] = '1';
    const video = rows.find((r) => r.key === 'Video')!;
    video.recorded_video = video.recorded_video!.replace('missing-clip.mp4', 'clip.mp4');
    const fixed = write('fixed.csv', stringify(rows, { header: true, columns: Object.keys(rows[0]!) }));

    const again = await cli(['apply', fixed, '--rate', '100/s']);
    expect(again.stderr).not.toMatch(/error/);
    expect(again.code).toBe(0);
    const state = ws.sim.state.snapshot();
    const bad = state.communities.find((c) => c.handle === 'bad-category')!;
    expect(bad.body).toEqual({
      handle: 'bad-category',
      name: '=Bad; category',
      description: '- dashes, commas; semicolons and "quotes"\nover two lines',
      type: 1,
      actions: [{ action_id: 3, access_type_id: 5 }],
      categories: { existing: [1], new: ['a;b', 'c'] },
    });
    const group = (name: string) => state.groups.find((g) => (g.body.group as { name?: string } | undefined)?.name === name)!;
    // Every group also carries the chat_id the tool derives (its idempotency key).
    const chat_id = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-/);
    expect(group('Orphan').body).toEqual({
      community_id: bad.community_id,
      chat_id,
      type: 4,
      group: { name: 'Orphan', members: [{ phone_number: '919876543210' }, { user_id: 'u-1' }], topics: [1, 2] },
    });
    expect(group('Second').body).toEqual({ community_id: bad.community_id, chat_id, type: 4, group: { name: 'Second' }, settings: {} });
    const fine = state.communities.find((c) => c.handle === 'fine')!;
    expect(group('Video').body).toEqual({
      community_id: fine.community_id,
      chat_id,
      type: 4,
      group: { name: 'Video' },
      recorded_video: { video_name: 'clip.mp4', link: '', meta_data: { topic: 'Talk' } },
    });
    expect(state.groups).toHaveLength(4);

    // Nothing is left to fix; the original manifest now shows the fixed items as drift.
    const empty = await cli(['report', '--failed', '--format', 'json', manifest]);
    expect(JSON.parse(empty.stdout)).toEqual([]);
    const plan = await cli(['plan', manifest]);
    expect(plan.stdout).toMatch(/community bad-category .*changed since created; the API has no update, so this change will not be applied/);
  });

  it('lists an existing community with its blocked groups; filling in community_id adopts it', async () => {
    await fetch(`${ws.sim.url}/api/thirdparty/community/create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ handle: 'taken', name: 'Taken', type: 1, actions: [] }),
    });
    const takenId = ws.sim.state.snapshot().communities[0]!.community_id;
    const manifest = write('t.yaml', `version: 1\ncommunities:\n  - { handle: taken, name: Taken, type: 1, actions: [], groups: [{ type: 4, group: { name: Under } }] }\n`);
    expect((await cli(['apply', manifest])).code).toBe(1);
    const report = await cli(['report', '--failed', '--format', 'json', manifest]);
    const items = JSON.parse(report.stdout);
    expect(items.map((i: { status: string; key: string }) => `${i.status} ${i.key}`)).toEqual(['exists taken', 'blocked taken/Under']);
    expect(items[1].entry).toEqual({ community_handle: 'taken', key: 'Under', type: 4, group: { name: 'Under' } });

    const csv = await cli(['report', '--failed', manifest]);
    const rows: Row[] = parse(csv.stdout, { columns: true });
    rows[0]!.community_id = takenId;
    const fixed = write('fixed.csv', stringify(rows, { header: true, columns: Object.keys(rows[0]!) }));
    const again = await cli(['apply', fixed]);
    expect(again.code).toBe(0);
    const state = ws.sim.state.snapshot();
    expect(state.communities).toHaveLength(1);
    expect(state.groups.map((g) => [g.community_id, (g.body.group as { name: string }).name])).toEqual([[takenId, 'Under']]);
  });

  it('reads the manifests under the same GENUIN_MAX_* limits as apply', async () => {
    const manifest = write('l.csv', `handle,name,type,actions\nl1,${'n'.repeat(200)},1,3:5\n`);
    const r = await runCli(['report', '--failed', manifest, '--ledger', join(ws.dir, 'ledger.jsonl')], { env: { ...env(), GENUIN_MAX_CELL_BYTES: '100' }, cwd: ws.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/l\.csv:2:2: name: cell longer than 100 characters \(limit maxCellBytes; raise it with GENUIN_MAX_CELL_BYTES\)/);
  });

  it('manifests without --failed give the ledger report, with the blocked groups of the plan (test/cli/report-plan.test.ts)', async () => {
    write('ledger.jsonl', ''); // a ledger that does not exist is refused (exit 2: test/cli/which-ledger.test.ts)
    const r = await cli(['report', write('m.yaml', BROKEN)]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\r\n')[0]).toBe('kind,key,status,community_id,chat_id,group_id,share_url,error_code,error_message,attempts,updated_at');
  });
});

describe('report --format csv: opens safely in a spreadsheet', () => {
  it('neutralises formula cells, quotes per RFC 4180, and starts with a BOM on request', async () => {
    const handles = ['=HYPERLINK("http://evil.example","x")', '+cmd', '-2+3', '@SUM(A1)', 'plain'];
    const manifest = write('f.yaml', `version: 1\ncommunities:\n${handles.map((h) => `  - { handle: ${JSON.stringify(h)}, name: N, type: 1, actions: [] }`).join('\n')}\n`);
    expect((await cli(['apply', manifest])).code).toBe(0);
    expect(ws.sim.state.snapshot().communities.map((c) => c.handle)).toEqual(handles);

    const r = await cli(['report', '--format', 'csv', '--bom']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('\uFEFFkind,key,status,')).toBe(true);
    expect(r.stdout.split('\r\n').length).toBe(handles.length + 2);
    const rows: Row[] = parse(r.stdout, { bom: true, columns: true });
    expect(rows.map((row) => row.key)).toEqual([`'${handles[0]}`, "'+cmd", "'-2+3", "'@SUM(A1)", 'plain']);
    for (const row of rows) expect(row.community_id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('--json: one JSON document on stdout, human text on stderr', () => {
  it('validate, plan and apply', async () => {
    const manifest = write('m.yaml', `version: 1\ncommunities:\n  - { handle: j1, name: J, type: 1, actions: [] }\n`);
    const validate = await cli(['validate', manifest, '--json']);
    expect(JSON.parse(validate.stdout)).toMatchObject({ valid: true, communities: 1 });
    expect(validate.stderr).toMatch(/^valid: 1 file/);

    const plan = await cli(['plan', manifest, '--json', '--detail']);
    expect(JSON.parse(plan.stdout)).toMatchObject({ counts: { create: { community: 1 } }, items: [{ key: 'j1', action: 'create' }] });
    expect(plan.stderr).toMatch(/community j1 +create/);

    const apply = await cli(['apply', manifest, '--json']);
    expect(JSON.parse(apply.stdout)).toMatchObject({ created: 1, failed: 0, drift: [], unresolved: [] });
    expect(apply.stderr).toMatch(/created 1, /);
    expect(ws.sim.state.snapshot().communities).toHaveLength(1);

    const bad = await cli(['validate', write('bad.csv', 'handle,nmae\nx,y\n'), '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ valid: false, errors: [expect.objectContaining({ field: 'nmae' })] });
  });

  it('a manifest with errors still shows its warnings (fixing the errors alone would hide them)', async () => {
    // A handle that differs from another only in case is a warning; the missing name an error.
    const manifest = write('w.csv', 'handle,name,type,actions\nw1,One,1,3:5\nW1,Two,1,3:5\nw3,,1,3:5\n');
    const text = await cli(['validate', manifest]);
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/w\.csv:4.*name/);
    expect(text.stderr).toMatch(/warning: .*w\.csv:3.*differs only in case/);
    const json = await cli(['validate', manifest, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: false, errors: [expect.objectContaining({ line: 4 })], warnings: [expect.objectContaining({ line: 3, field: 'handle' })] });
    const plan = await cli(['plan', manifest]);
    expect(plan.stderr).toMatch(/warning: .*differs only in case/);
  });
});

describe('drift: a manifest entry changed after its item was created', () => {
  it('plan and apply list it; nothing is sent', async () => {
    const manifest = write('d.yaml', `version: 1\ncommunities:\n  - { handle: d1, name: Before, type: 1, actions: [] }\n  - { handle: d2, name: Same, type: 1, actions: [] }\n`);
    expect((await cli(['apply', manifest])).code).toBe(0);
    const requests = ws.sim.state.snapshot().counts.requests;
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('Before', 'After'));

    const plan = await cli(['plan', manifest, '--detail']);
    expect(plan.stdout).toMatch(/community d1 +skip: created \(changed since created; the API has no update, so this change will not be applied\)/);
    expect(plan.stdout).toMatch(/community d2 +skip: created +\(/);

    const apply = await cli(['apply', manifest, '--json']);
    expect(apply.code).toBe(0);
    expect(apply.stderr).toMatch(/1 item changed since created; the API has no update, so this change will not be applied:\n {2}community d1 \(.*d\.yaml:3\)/);
    expect(JSON.parse(apply.stdout).drift).toEqual([{ kind: 'community', key: 'd1', file: manifest, line: 3 }]);
    expect(ws.sim.state.snapshot().counts.requests).toBe(requests);
    expect(ws.sim.state.snapshot().communities.find((c) => c.handle === 'd1')!.body.name).toBe('Before');
  });
});

describe('help that teaches', () => {
  it.each(['validate', 'plan', 'apply', 'report', 'simulate', 'demo', 'ledger compact'])('%s --help shows an example', async (command) => {
    const r = await runCli([...command.split(' '), '--help'], { cwd: ws.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples?:\n +\$ genuin-provision /);
  });

  it('a mistyped flag or command gets a suggestion', async () => {
    const flag = await runCli(['apply', 'x.yaml', '--rat', '5/s'], { cwd: ws.dir });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/unknown option '--rat'\n\(Did you mean --rate\?\)/);
    const command = await runCli(['aply'], { cwd: ws.dir });
    expect(command.stderr).toMatch(/Did you mean apply\?/);
  });
});
