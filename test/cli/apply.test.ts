// End to end: the built CLI against the simulator over 127.0.0.1. Every assertion about what
// was created reads the simulator's own state: what the server holds is the truth.
import { readFileSync, writeFileSync, appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulatorWorkspace } from '../helpers/workspace.js';
import { MANIFESTS, runCli } from '../helpers/cli.js';

const TOKEN = 'test-token-5f1c9e7a';
const ws = simulatorWorkspace(TOKEN);

const env = ws.env;
const apply = (args: string[], extra: Record<string, string> = {}) =>
  runCli(['apply', ...args, '--ledger', join(ws.dir, 'ledger.jsonl'), '--rate', '200/s'], { env: { ...env(), ...extra }, cwd: ws.dir });
const write = ws.write;
const ledgerLines = () =>
  readFileSync(join(ws.dir, 'ledger.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

const docs = JSON.parse(readFileSync(new URL('../fixtures/doc-bodies.json', import.meta.url), 'utf8'));

describe('apply: the documented bodies reach the API exactly as documented', () => {
  it.each(['doc-bodies.yaml', 'doc-bodies.csv'])('%s', async (file) => {
    const r = await apply([join(MANIFESTS, file)]);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    const state = ws.sim.state.snapshot();
    expect(state.communities).toHaveLength(1);
    expect(state.communities[0].body).toMatchObject(docs.community);
    expect(state.groups).toHaveLength(1);
    const { community_id, ...groupBody } = state.groups[0].body;
    expect(groupBody).toEqual(docs.group);
    expect(community_id).toBe(state.communities[0].community_id);
  });
});

const TWO_COMMUNITIES = `version: 1
defaults:
  community: { type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }
  group: { type: 4 }
communities:
  - handle: alpha
    name: Alpha
    groups:
      - group: { name: A1 }
      - group: { name: A2 }
  - handle: beta
    name: Beta
    groups:
      - group: { name: B1 }
groups:
  - community_handle: alpha
    group: { name: A3 }
`;

describe('apply: dependencies, ledger and re-runs', () => {
  it('gives every group its own parent id, records every outcome, and a re-run sends nothing', async () => {
    const manifest = write('m.yaml', TWO_COMMUNITIES);
    const first = await apply([manifest]);
    expect(first.code).toBe(0);
    const state = ws.sim.state.snapshot();
    const idOf = Object.fromEntries(state.communities.map((c) => [c.handle, c.community_id]));
    const parentOf = Object.fromEntries(state.groups.map((g) => [(g.body.group as { name: string }).name, g.community_id]));
    expect(parentOf).toEqual({ A1: idOf.alpha, A2: idOf.alpha, A3: idOf.alpha, B1: idOf.beta });

    const lines = ledgerLines();
    const created = lines.filter((l) => l.event === 'created');
    expect(created.map((l) => l.key).sort()).toEqual(['alpha', 'alpha/A1', 'alpha/A2', 'alpha/A3', 'beta', 'beta/B1']);
    expect(created.find((l) => l.key === 'alpha').community_id).toBe(idOf.alpha);
    expect(lines.filter((l) => l.event === 'attempt')).toHaveLength(6);

    const requestsBefore = ws.sim.state.snapshot().counts.requests;
    const second = await apply([manifest]);
    expect(second.code).toBe(0);
    expect(ws.sim.state.snapshot().counts.requests).toBe(requestsBefore);
    expect(second.stdout).toMatch(/created 0, already done 6/);
  });

  it('tolerates a torn last ledger line and carries on', async () => {
    const manifest = write('m.yaml', TWO_COMMUNITIES);
    expect((await apply([manifest])).code).toBe(0);
    appendFileSync(join(ws.dir, 'ledger.jsonl'), '{"at":"2026-11-25T00:00:00Z","run":"x","kind":"gro');
    const again = await apply([manifest]);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/torn/);
    expect(ws.sim.state.snapshot().communities).toHaveLength(2);
  });
});

describe('apply: every documented error lands in the right outcome', () => {
  it('5216 exists, 5220 / 5166 / 5026 / 400 failed, children of a failed parent blocked', async () => {
    // A community that already exists on the server (created by someone else).
    await fetch(`${ws.sim.url}/api/thirdparty/community/create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ handle: 'taken', name: 'Taken', type: 1, actions: [] }),
    });
    const manifest = write(
      'errors.yaml',
      `version: 1
defaults:
  community: { type: 1, actions: [] }
  group: { type: 4 }
communities:
  - handle: taken
    name: Already there
    groups: [{ group: { name: under-taken } }]
  - handle: bad-category
    name: Bad category
    categories: { existing: [999] }
    groups: [{ group: { name: orphan } }]
  - handle: sim-412-usage
    name: Invalid use
  - handle: fine
    name: Fine
    groups:
      - group: { name: no-video }
        recorded_video: { video_name: missing-clip.mp4 }
groups:
  - community_id: no-such-community
    group: { name: rejected }
`,
    );
    const r = await apply([manifest]);
    expect(r.code).toBe(1);
    const last = new Map<string, { event: string; code?: string; status?: number }>();
    for (const l of ledgerLines()) if (l.event !== 'attempt') last.set(l.key, l);
    expect(last.get('taken')).toMatchObject({ event: 'exists', code: '5216' });
    expect(last.get('bad-category')).toMatchObject({ event: 'failed', status: 404, code: '5220' });
    expect(last.get('sim-412-usage')).toMatchObject({ event: 'failed', status: 412, code: '5166' });
    expect(last.get('fine')).toMatchObject({ event: 'created' });
    expect(last.get('fine/no-video')).toMatchObject({ event: 'failed', status: 500, code: '5026' });
    expect(last.get('no-such-community/rejected')).toMatchObject({ event: 'failed', status: 400 });
    // Children of a community without an id are never sent; the summary says why, once.
    expect(last.has('taken/under-taken')).toBe(false);
    expect(last.has('bad-category/orphan')).toBe(false);
    expect(r.stdout).toMatch(/blocked +group taken\/under-taken .*exists but its id is unknown/);
    expect(r.stdout).toMatch(/blocked +group bad-category\/orphan .*failed/);
    // Definite refusals are not retried: one attempt each.
    expect(ledgerLines().filter((l) => l.event === 'attempt' && l.key === 'bad-category')).toHaveLength(1);
  });
});

describe('apply: the API pushing back', () => {
  it('pauses on 429 and recovers: everything created exactly once', async () => {
    ws.sim.configure({ rateLimit: { rate: 20, burst: 2 } });
    const lines = ['handle,name,type,actions'];
    // Few items: each 429 costs a pause of its Retry-After (1 s).
    for (let i = 0; i < 12; i++) lines.push(`c${i},C ${i},1,3:5`);
    const manifest = write('many.csv', lines.join('\n'));
    const r = await runCli(['apply', manifest, '--ledger', join(ws.dir, 'ledger.jsonl'), '--rate', '100/s'], { env: env(), cwd: ws.dir });
    expect(r.code).toBe(0);
    const state = ws.sim.state.snapshot();
    expect(state.counts.rateLimited).toBeGreaterThan(0);
    expect(state.communities).toHaveLength(12);
    expect(new Set(state.communities.map((c) => c.handle)).size).toBe(12);
  });

  it('stops the whole run at once when the token is rejected', async () => {
    const lines = ['handle,name,type,actions'];
    for (let i = 0; i < 100; i++) lines.push(`c${i},C ${i},1,3:5`);
    const manifest = write('many.csv', lines.join('\n'));
    const r = await apply([manifest], { GENUIN_ACCESS_TOKEN: 'wrong-token' });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/rejected the access token/);
    expect(ws.sim.state.snapshot().counts.requests).toBeLessThanOrEqual(8);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });
});

describe('apply: refusing before anything is sent', () => {
  it('an invalid manifest sends nothing and exits 2', async () => {
    const good = write('good.yaml', TWO_COMMUNITIES);
    const bad = write('bad.csv', 'handle,nmae,type,actions\nx,Name,1,3:5\n');
    const r = await apply([good, bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.csv:\d+.*nmae/);
    expect(ws.sim.state.snapshot().counts.requests).toBe(0);
  });

  it('refuses to send the token over plain http to a non-loopback host', async () => {
    const manifest = write('m.yaml', TWO_COMMUNITIES);
    const r = await apply([manifest], { GENUIN_API_URL: 'http://api.example.com' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/plain http/);
  });

  it('refuses a rate it cannot read with one line and exit 2, sending nothing', async () => {
    const manifest = write('m.yaml', TWO_COMMUNITIES);
    const r = await runCli(['apply', manifest, '--ledger', join(ws.dir, 'ledger.jsonl'), '--rate', 'fast'], { env: env(), cwd: ws.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--rate: "fast" is not a rate; use auto');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(ws.sim.state.snapshot().counts.requests).toBe(0);
  });

  it('says what to do when GENUIN_API_URL is missing', async () => {
    const manifest = write('m.yaml', TWO_COMMUNITIES);
    const r = await runCli(['apply', manifest], { cwd: ws.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/GENUIN_API_URL is not set.*--simulate/);
  });

  it('reads GENUIN_API_URL and the token from .env, and the token appears in nothing it writes', async () => {
    writeFileSync(join(ws.dir, '.env'), `GENUIN_API_URL=${ws.sim.url}\nGENUIN_ACCESS_TOKEN="${TOKEN}"\n`, { mode: 0o600 });
    const manifest = write('m.yaml', TWO_COMMUNITIES);
    const r = await runCli(['apply', manifest, '--log-level', 'debug', '--log-file', join(ws.dir, 'run.log')], { cwd: ws.dir });
    expect(r.code).toBe(0);
    const report = await runCli(['report', '--format', 'json'], { cwd: ws.dir });
    const produced = [r.stdout, r.stderr, report.stdout, ...readdirSync(ws.dir).filter((f) => f !== '.env').map((f) => readFileSync(join(ws.dir, f), 'utf8'))];
    for (const text of produced) expect(text).not.toContain(TOKEN);
    expect(JSON.parse(report.stdout)).toHaveLength(6);
  });
});
