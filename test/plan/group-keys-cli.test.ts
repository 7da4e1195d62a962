// End to end (built CLI against the simulator): a group keeps one ledger item whichever name its
// parent goes by, and two groups whose old keys collided (a + b/c, a/b + c) keep two, compacted too.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { simulatorWorkspace } from '../helpers/workspace.js';

const TOKEN = 'test-token-group-keys-41d2';
const ws = simulatorWorkspace(TOKEN);
const ledgerPath = () => join(ws.dir, 'ledger.jsonl');
const cli = (args: string[]) => runCli([...args, '--ledger', ledgerPath()], { env: ws.env(), cwd: ws.dir });
// Derived chat_ids off: the simulator would otherwise refuse a second group with the same id,
// hiding a second send behind the API's own idempotency; here the ledger alone must prevent it.
const apply = (file: string) => cli(['apply', file, '--rate', '200/s', '--no-derived-chat-id']);
const createdLines = () =>
  readFileSync(ledgerPath(), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((l) => l.kind === 'group' && l.event === 'created');

const HEAD = 'version: 1\ndefaults:\n  community: { type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }\n  group: { type: 4 }\n';

describe('group ledger keys, end to end', () => {
  it('a group named under its community by handle, then by the same community id, is sent once', async () => {
    const first = await apply(ws.write('run1.yaml', `${HEAD}communities:\n  - handle: brand\n    name: Brand\n    groups:\n      - group: { name: Talk }\n`));
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.code).toBe(0);
    const after1 = ws.sim.state.snapshot();
    expect(after1.groups).toHaveLength(1);
    const id = after1.communities[0].community_id;

    const second = await apply(ws.write('run2.yaml', `${HEAD}groups:\n  - community_id: ${id}\n    group: { name: " Talk" }\n`));
    expect(second.code).toBe(0);
    const after2 = ws.sim.state.snapshot();
    expect(after2.counts.requests).toBe(after1.counts.requests);
    expect(after2.groups).toHaveLength(1);
    expect(createdLines().map((l) => l.key)).toEqual(['brand/Talk']);
  });

  it('groups under a community named by id, then by its handle once adopted, are sent once', async () => {
    const existing = await apply(ws.write('c.yaml', `${HEAD}communities:\n  - handle: made-elsewhere\n    name: Made\n`));
    expect(existing.code).toBe(0);
    const id = ws.sim.state.snapshot().communities[0].community_id;
    // Another ledger made the community: this one knows it only by the id given.
    const other = (args: string[]) => runCli([...args, '--ledger', join(ws.dir, 'other.jsonl')], { env: ws.env(), cwd: ws.dir });
    const first = await other(['apply', ws.write('g1.csv', `community_id,group.name,type\n${id},Talk,4\n`), '--no-derived-chat-id']);
    expect(first.code).toBe(0);
    const before = ws.sim.state.snapshot();
    // Groups file before the communities file: the adoption that ties handle and id comes last.
    const second = await other([
      'apply',
      ws.write('g2.csv', 'community_handle,group.name,type\nmade-elsewhere,Talk,4\n'),
      ws.write('adopt.csv', `handle,community_id\nmade-elsewhere,${id}\n`),
      '--no-derived-chat-id',
    ]);
    expect(second.stderr).not.toMatch(/error/i);
    expect(second.code).toBe(0);
    const after = ws.sim.state.snapshot();
    expect(after.groups).toHaveLength(1);
    expect(after.counts.requests).toBe(before.counts.requests);
  });

  it('a + b/c and a/b + c are two groups with two ids in the ledger, and compaction keeps both', async () => {
    const manifest = ws.write(
      'm.yaml',
      `${HEAD}communities:\n  - handle: a\n    name: A\n    groups:\n      - group: { name: b/c }\n  - handle: a/b\n    name: AB\n    groups:\n      - group: { name: c }\n`,
    );
    const run = await apply(manifest);
    expect(run.code).toBe(0);
    const held = ws.sim.state.snapshot().groups;
    expect(held).toHaveLength(2);
    const check = () => {
      const lines = createdLines();
      expect(lines.map((l) => l.key).sort()).toEqual(['a%2Fb/c', 'a/b/c']);
      expect(new Set(lines.map((l) => l.chat_id))).toEqual(new Set(held.map((g) => g.chat_id)));
    };
    check();

    const compact = await cli(['ledger', 'compact']);
    expect(compact.code).toBe(0);
    check();

    const rerun = await apply(manifest);
    expect(rerun.code).toBe(0);
    expect(ws.sim.state.snapshot().groups).toHaveLength(2);
    expect(rerun.stdout).toMatch(/created 0/);
  });
});
