// End to end (the CLI against the simulator): an item's identity across the edits people make
// to manifests between runs (issue 19, findings 1 and 2). What the server holds is the truth.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { simulatorWorkspace } from '../helpers/workspace.js';

const TOKEN = 'test-token-identity-7c2e';
const ws = simulatorWorkspace(TOKEN);
const ledgerPath = () => join(ws.dir, 'ledger.jsonl');
const cli = (args: string[]) => runCli([...args, '--ledger', ledgerPath()], { env: ws.env(), cwd: ws.dir });
const apply = (...files: string[]) => cli(['apply', ...files, '--rate', '200/s']);
const plan = (...args: string[]) => cli(['plan', ...args]);
const snapshot = () => ws.sim.state.snapshot();
const lines = () =>
  readFileSync(ledgerPath(), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const HEAD = 'version: 1\ndefaults:\n  community: { type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }\n  group: { type: 4 }\n';
const brand = (groups: string, more = '') => `${HEAD}communities:\n  - handle: brand\n    name: Brand\n${more}    groups:\n${groups}`;

async function firstRun(text: string): Promise<void> {
  const r = await apply(ws.write('run1.yaml', text));
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
}

describe('a group edited between runs stays one group', () => {
  it('adding `key` to a group keyed by its name is refused before anything is sent, naming both', async () => {
    await firstRun(brand('      - group: { name: Music }\n'));
    const before = snapshot().counts.requests;
    const file = ws.write('run2.yaml', brand('      - key: music\n        group: { name: Music }\n'));
    const r = await apply(file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:9`);
    expect(r.stderr).toContain('brand/Music');
    expect(r.stderr).toContain('moved_from');
    expect(r.stderr).toContain('new_group');
    expect(snapshot().counts.requests).toBe(before);
    expect(snapshot().groups).toHaveLength(1);
    const p = await plan(file);
    expect(p.code).toBe(2);
    expect(p.stderr).toContain('brand/Music');
  });

  it('`moved_from` says it is the same group: the ledger moves it, nothing is sent, and the field may then go', async () => {
    await firstRun(brand('      - group: { name: Music }\n'));
    const chatId = snapshot().groups[0].chat_id;
    const before = snapshot().counts.requests;
    const p = await plan(ws.write('p.yaml', brand('      - key: music\n        moved_from: Music\n        group: { name: Music }\n')));
    expect(p.code).toBe(0);
    expect(p.stdout).toMatch(/brand\/Music.*brand\/music|moved/);
    const r = await apply(ws.write('run2.yaml', brand('      - key: music\n        moved_from: Music\n        group: { name: Music }\n')));
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(snapshot().counts.requests).toBe(before);
    expect(snapshot().groups).toHaveLength(1);
    const created = lines().filter((l) => l.key === 'brand/music' && l.event === 'created');
    expect(created).toHaveLength(1);
    expect(created[0]!.chat_id).toBe(chatId);
    // Without the field now: the ledger holds the group under its new key.
    const again = await apply(ws.write('run3.yaml', brand('      - key: music\n        group: { name: Music }\n')));
    expect(again.code).toBe(0);
    expect(snapshot().counts.requests).toBe(before);
    expect(snapshot().groups).toHaveLength(1);
  });

  it('`moved_from` in a CSV column works the same', async () => {
    await firstRun(brand('      - group: { name: Music }\n'));
    const before = snapshot().counts.requests;
    const r = await apply(ws.write('run2.csv', 'community_handle,key,moved_from,type,group.name\nbrand,music,Music,4,Music\n'));
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(snapshot().counts.requests).toBe(before);
  });

  it('`new_group: true` says it is really new: it is created beside the old one', async () => {
    await firstRun(brand('      - group: { name: Music }\n'));
    const r = await apply(ws.write('run2.yaml', brand('      - key: music\n        new_group: true\n        group: { name: Music }\n')));
    expect(r.code).toBe(0);
    expect(snapshot().groups).toHaveLength(2);
    const csv = await apply(ws.write('run3.csv', 'community_handle,key,new_group,type,group.name\nbrand,music2,true,4,Music\n'));
    expect(csv.code).toBe(0);
    expect(snapshot().groups).toHaveLength(3);
  });

  it('a changed explicit key is caught by the name recorded on the created line', async () => {
    await firstRun(brand('      - key: k1\n        group: { name: Music }\n'));
    expect(lines().find((l) => l.key === 'brand/k1' && l.event === 'created')?.name).toBe('Music');
    const before = snapshot().counts.requests;
    const r = await apply(ws.write('run2.yaml', brand('      - key: k2\n        group: { name: Music }\n')));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('brand/k1');
    expect(snapshot().counts.requests).toBe(before);
  });

  it('a group given the same explicit chat_id under a new name is caught', async () => {
    await firstRun(brand('      - chat_id: chat-fixed-1\n        group: { name: Music }\n'));
    const before = snapshot().counts.requests;
    const r = await apply(ws.write('run2.yaml', brand('      - chat_id: chat-fixed-1\n        group: { name: Musique }\n')));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('brand/Music');
    expect(r.stderr).toContain('chat-fixed-1');
    expect(snapshot().counts.requests).toBe(before);
  });

  it('a group moved to another community is a new group on the server, and plan says so', async () => {
    const two = (alpha: string, beta: string) =>
      `${HEAD}communities:\n  - handle: alpha\n    name: Alpha\n    groups:\n${alpha}  - handle: beta\n    name: Beta\n    groups:\n${beta}`;
    await firstRun(two('      - group: { name: Music }\n', '      - group: { name: Other }\n'));
    const file = ws.write('run2.yaml', two('      - group: { name: Stay }\n', '      - group: { name: Other }\n      - group: { name: Music }\n'));
    const p = await plan(file);
    expect(p.code).toBe(0);
    expect(p.stdout + p.stderr).toMatch(/beta\/Music.*new group on the server.*alpha\/Music/s);
    const r = await apply(file);
    expect(r.code).toBe(0);
    expect(snapshot().groups.filter((g) => (g.body.group as { name: string }).name === 'Music')).toHaveLength(2);
  });
});

describe('plan shows what the manifests dropped', () => {
  it('counts ledger items these manifests do not name, lists them with --json and --detail, and acts on none', async () => {
    await firstRun(brand('      - group: { name: Music }\n      - group: { name: Talk }\n'));
    const file = ws.write('run2.yaml', brand('      - group: { name: Talk }\n'));
    const p = await plan(file);
    expect(p.code).toBe(0);
    expect(p.stdout).toMatch(/in the ledger, not in these manifests: 1/);
    const d = await plan(file, '--detail');
    expect(d.stdout).toMatch(/group\s+brand\/Music\s+in the ledger, not in these manifests/);
    const j = await plan(file, '--json');
    const doc = JSON.parse(j.stdout) as { counts: { dropped: number }; dropped: { kind: string; key: string; status: string }[] };
    expect(doc.counts.dropped).toBe(1);
    expect(doc.dropped).toEqual([{ kind: 'group', key: 'brand/Music', status: 'created' }]);
    const before = snapshot().counts.requests;
    const r = await apply(file);
    expect(r.code).toBe(0);
    expect(snapshot().counts.requests).toBe(before);
  });
});

describe('a community is one item under its handle and its community_id', () => {
  for (const [what, handle] of [
    ['a new handle', 'brand-two'],
    ['a handle differing only in letter case', 'Brand'],
  ] as const) {
    it(`its id under ${what} is refused, naming both; no group is sent again`, async () => {
      await firstRun(brand('      - group: { name: A }\n      - group: { name: B }\n'));
      const id = snapshot().communities[0].community_id;
      const before = snapshot().counts.requests;
      const file = ws.write('run2.yaml', `${HEAD}communities:\n  - handle: ${handle}\n    community_id: ${id}\n    groups:\n      - group: { name: A }\n      - group: { name: B }\n`);
      const r = await apply(file);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${file}:6`);
      expect(r.stderr).toContain(`"brand"`);
      expect(r.stderr).toContain(id);
      expect(snapshot().counts.requests).toBe(before);
      expect(snapshot().groups).toHaveLength(2);
    });
  }

  it('a new community whose handle differs only in case from one the ledger holds is warned about', async () => {
    await firstRun(brand('      - group: { name: A }\n'));
    const p = await plan(ws.write('run2.yaml', `${HEAD}communities:\n  - handle: BRAND\n    name: Brand\n`));
    expect(p.stderr).toMatch(/BRAND.*differs only in case.*brand/);
  });
});
