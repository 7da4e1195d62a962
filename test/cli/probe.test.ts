// End to end: `probe` learns what the simulator does with a repeated chat_id in each way a real
// API might (refuse, echo without refusing, ignore client ids), records it in the ledger, and the
// runs after it act on it: lost answers settle by themselves only on proof.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ownCommunity } from '../helpers/own-community.js';
import { simulatorWorkspace } from '../helpers/workspace.js';

const TOKEN = 'test-token-probe-6b2e';
const ws = simulatorWorkspace(TOKEN);
const ledger = () => join(ws.dir, 'ledger.jsonl');
const cli = (args: string[], env: Record<string, string> = {}) => runCli([...args, '--ledger', ledger()], { env: { ...ws.env(), ...env }, cwd: ws.dir });
const apply = (manifest: string, extra: string[] = [], env: Record<string, string> = {}) => cli(['apply', manifest, '--rate', '500/s', '--concurrency', '2', ...extra], env);
const lines = () =>
  readFileSync(ledger(), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const MANIFEST = `version: 1
defaults:
  community: { type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }
  group: { type: 4 }
communities:
  - handle: alpha
    name: Alpha
    groups:
      - group: { name: Chat }
      - group: { name: General }
      - group: { name: Help desk }
`;

/** A community of the person's own where the probe may create its groups. */
const sandbox = () => ownCommunity(ws.sim, TOKEN, 'sandbox', 'Sandbox');

const profileLines = () => lines().filter((l) => l.event === 'observed' && l.chat_id_unique !== undefined);

describe('probe', () => {
  it('a server that refuses a repeated chat_id: proven, recorded with its evidence, the setting printed; one probe group left', async () => {
    const id = await sandbox();
    const r = await cli(['probe', '--community-id', id, '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('GENUIN_CHAT_ID_EXISTS=409:5230');
    expect(r.stderr).toMatch(/a repeated chat_id is refused with HTTP 409 code 5230: proven, and recorded in ledger/);
    const groups = ws.sim.state.snapshot().groups;
    expect(groups).toHaveLength(1);
    expect(r.stderr).toContain(groups[0]!.group_id); // what a person needs to remove it
    const [p] = profileLines();
    expect(p).toMatchObject({ chat_id_unique: true, chat_id_exists: { status: 409, code: '5230' }, source: 'probe' });
    expect(String(p!.evidence)).toContain(groups[0]!.chat_id);
    // The ledger says which format holds this line: older versions say "upgrade", not "corrupt".
    expect(lines().filter((l) => l.event === 'ledger').map((l) => l.format)).toContain(3);
  });

  it('a server that echoes chat_ids but creates a repeat: proven NOT refused, both probe groups named', async () => {
    ws.sim.configure({ chatIds: 'echo' });
    const id = await sandbox();
    const r = await cli(['probe', '--community-id', id, '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('GENUIN_CHAT_ID_EXISTS=none');
    expect(r.stderr).toMatch(/is NOT refused/);
    const groups = ws.sim.state.snapshot().groups;
    expect(groups).toHaveLength(2);
    for (const g of groups) expect(r.stderr).toContain(g.group_id);
    expect(profileLines()).toMatchObject([{ chat_id_unique: false, source: 'probe' }]);
  });

  it('a server that ignores client chat_ids: not refused, and said so', async () => {
    ws.sim.configure({ chatIds: 'ignore' });
    const r = await cli(['probe', '--community-id', await sandbox(), '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('GENUIN_CHAT_ID_EXISTS=none');
    expect(r.stderr).toMatch(/ignores client chat_ids/);
  });

  it('a first create whose answer is lost proves nothing: exit 1, nothing recorded, the possible probe group named', async () => {
    const id = await sandbox();
    ws.sim.injectNext('502-after', { endpoint: 'group' });
    const r = await cli(['probe', '--community-id', id, '--yes']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/nothing proven: the first create was answered HTTP 502: its answer was lost/);
    expect(r.stderr).toMatch(/a probe group may also exist/);
    expect(profileLines()).toEqual([]);
    expect(ws.sim.state.snapshot().groups).toHaveLength(1); // the second create was never sent
  });

  it('asks before creating: without a terminal and without --yes it sends nothing (exit 2)', async () => {
    const id = await sandbox();
    const before = ws.sim.state.snapshot().counts.creates;
    const r = await cli(['probe', '--community-id', id]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/confirm with --yes/);
    expect(ws.sim.state.snapshot().counts.creates).toBe(before);
  });
});

describe('runs after the proof', () => {
  it('proven: every lost group answer is resent with its chat_id and settled by the server\'s "exists": exit 0, nothing for a person', async () => {
    await cli(['probe', '--community-id', await sandbox(), '--yes']);
    const manifest = ws.write('m.yaml', MANIFEST);
    ws.sim.injectNext('502-after', { endpoint: 'group', count: 3 });
    const r = await apply(manifest);
    expect(r.code).toBe(0);
    const held = ws.sim.state.snapshot();
    expect(held.duplicates).toEqual([]);
    const created = lines().filter((l) => l.kind === 'group' && l.event === 'created');
    expect(created).toHaveLength(3);
    for (const l of created) {
      expect(l.by).toBe('chat_id exists');
      expect(held.groups.some((g) => g.chat_id === l.chat_id)).toBe(true);
    }
  });

  it('no proof, a server that echoes without refusing: lost answers stay in doubt, never resent: no duplicate', async () => {
    ws.sim.configure({ chatIds: 'echo' });
    const manifest = ws.write('m.yaml', MANIFEST);
    ws.sim.injectNext('502-after', { endpoint: 'group', count: 3 });
    const r = await apply(manifest);
    expect(r.code).toBe(1);
    expect(ws.sim.state.snapshot().groups).toHaveLength(3);
    expect(ws.sim.state.snapshot().duplicates).toEqual([]);
    const again = await apply(manifest);
    expect(again.code).toBe(1);
    expect(ws.sim.state.snapshot().duplicates).toEqual([]);
    expect(again.stdout + again.stderr).toMatch(/in doubt 3/);
  });

  it('a lost ledger: with the setting, every group answered "exists" is recorded once its community is adopted', async () => {
    const manifest = ws.write('m.yaml', MANIFEST);
    expect((await apply(manifest)).code).toBe(0);
    rmSync(ledger());
    const setting = { GENUIN_CHAT_ID_EXISTS: '409:5230' };
    const lost = await apply(manifest, [], setting);
    expect(lost.code).toBe(1); // the community exists with an id the new ledger does not know
    const id = ws.sim.state.communityByHandle('alpha')!.community_id;
    expect((await cli(['ledger', 'resolve', 'alpha', '--community-id', id])).code).toBe(0);
    const r = await apply(manifest, [], setting);
    expect(r.code).toBe(0);
    expect(ws.sim.state.snapshot().groups).toHaveLength(3);
    expect(lines().filter((l) => l.kind === 'group' && l.event === 'created' && l.by === 'chat_id exists')).toHaveLength(3);
    // The setting was recorded as this ledger's evidence, with where it came from.
    expect(profileLines()).toMatchObject([{ chat_id_unique: true, chat_id_exists: { status: 409, code: '5230' }, source: 'setting' }]);
  });

  it('a setting that contradicts the ledger\'s probe stops plan and apply before anything is sent (exit 2)', async () => {
    await cli(['probe', '--community-id', await sandbox(), '--yes']);
    const manifest = ws.write('m.yaml', MANIFEST);
    const before = ws.sim.state.snapshot().counts.creates;
    for (const command of ['plan', 'apply']) {
      const r = await cli([command, manifest, '--chat-id-exists', 'none']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--chat-id-exists says a repeated chat_id is not refused, but ledger .* records \(probe of .*\) that a repeated chat_id is refused with HTTP 409 code 5230/);
    }
    expect(ws.sim.state.snapshot().counts.creates).toBe(before);
  });

  it('a generic answer is refused as a setting: it would settle real failures as created', async () => {
    const manifest = ws.write('m.yaml', MANIFEST);
    for (const [value, why] of [
      ['500', /what any unexpected server fault answers/],
      ['404:5220', /code 5220 is documented for another error/],
      ['429', /did not take the request/],
      ['409-5230', /is not <status>:<code>, <status> or none/],
    ] as const) {
      const r = await apply(manifest, [], { GENUIN_CHAT_ID_EXISTS: value });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(why);
    }
    expect(ws.sim.state.snapshot().counts.creates).toBe(0);
  });
});
