// End to end: `ledger resolve` and `ledger show` through the built CLI against the simulator.
// Every verdict is checked by what the next apply sends (the simulator's own counts and state).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { simulatorWorkspace } from '../helpers/workspace.js';

const TOKEN = 'test-token-resolve-1d3f';
const ws = simulatorWorkspace(TOKEN);
const ledger = () => join(ws.dir, 'ledger.jsonl');
const cli = (args: string[], ledgerPath = ledger()) => runCli([...args, '--ledger', ledgerPath], { env: ws.env(), cwd: ws.dir });
const apply = (manifest: string, ledgerPath = ledger()) => cli(['apply', manifest, '--rate', '200/s', '--concurrency', '1'], ledgerPath);
const lines = (path = ledger()) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const requests = () => ws.sim.state.snapshot().counts.requests;

const ONE_GROUP = `version: 1
defaults:
  community: { type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }
  group: { type: 4 }
communities:
  - handle: alpha
    name: Alpha
    groups:
      - key: welcome
        group: { name: Welcome }
`;

/** A first run whose only group create loses its answer (`fault`): the group ends in doubt. */
async function inDoubtGroup(fault: 'reset-after' | '502-html'): Promise<{ manifest: string }> {
  const manifest = ws.write('m.yaml', ONE_GROUP);
  ws.sim.injectNext(fault, { endpoint: 'group' });
  const first = await apply(manifest);
  expect(first.code).toBe(1);
  const last = lines().filter((l) => l.key === 'alpha/welcome').at(-1);
  expect(last?.event).toBe('in_doubt');
  return { manifest };
}

describe('ledger resolve: an in-doubt group', () => {
  it('--created (no value) records the chat_id the attempt sent; the next apply sends nothing and exits 0', async () => {
    const { manifest } = await inDoubtGroup('reset-after');
    const held = ws.sim.state.snapshot().groups;
    expect(held).toHaveLength(1); // created, answer lost

    const r = await cli(['ledger', 'resolve', 'alpha/welcome', '--created']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/group alpha\/welcome: was in doubt .*now created \(chat_id [0-9a-f-]{36}\): the next apply skips it/);
    const line = lines().at(-1)!;
    expect(line).toMatchObject({ kind: 'group', key: 'alpha/welcome', event: 'created', chat_id: held[0]!.chat_id, by: 'ledger resolve' });
    expect(line.run).toMatch(/^resolve-[0-9a-f-]{36}$/);

    const before = requests();
    const next = await apply(manifest);
    expect(next.code).toBe(0);
    expect(requests()).toBe(before);
    expect(ws.sim.state.snapshot().groups).toHaveLength(1);
  });

  it('--created <chat_id> records the id given', async () => {
    await inDoubtGroup('reset-after');
    const r = await cli(['ledger', 'resolve', 'alpha/welcome', '--kind', 'group', '--created', 'found-in-genuin-42']);
    expect(r.code).toBe(0);
    expect(lines().at(-1)).toMatchObject({ event: 'created', chat_id: 'found-in-genuin-42' });
  });

  it('--absent: the next apply sends it, once, and exits 0', async () => {
    const { manifest } = await inDoubtGroup('502-html');
    expect(ws.sim.state.snapshot().groups).toHaveLength(0); // the gateway failed before the create

    const plainApply = await apply(manifest);
    expect(plainApply.code).toBe(1); // still in doubt: nothing sent without a verdict
    expect(ws.sim.state.snapshot().groups).toHaveLength(0);

    const r = await cli(['ledger', 'resolve', 'alpha/welcome', '--absent']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/now absent: the next apply sends it/);
    expect(lines().at(-1)).toMatchObject({ kind: 'group', key: 'alpha/welcome', event: 'absent', by: 'ledger resolve' });

    const next = await apply(manifest);
    expect(next.code).toBe(0);
    expect(ws.sim.state.snapshot().groups).toHaveLength(1);
    const again = await apply(manifest);
    expect(again.code).toBe(0);
    expect(ws.sim.state.snapshot().groups).toHaveLength(1);
  });

  it('refuses, naming the state, once it is resolved (exit 2, one line)', async () => {
    await inDoubtGroup('reset-after');
    expect((await cli(['ledger', 'resolve', 'alpha/welcome', '--created'])).code).toBe(0);
    const size = readFileSync(ledger(), 'utf8').length;
    for (const flag of ['--created', '--absent']) {
      const r = await cli(['ledger', 'resolve', 'alpha/welcome', flag]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: group alpha\/welcome is created \(chat_id [^)]+\), not in doubt: nothing to resolve\n$/);
    }
    expect(readFileSync(ledger(), 'utf8').length).toBe(size);
  });
});

const TAKEN = `version: 1
defaults:
  community: { type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }
  group: { type: 4 }
communities:
  - handle: beta
    name: Beta
`;
const TAKEN_WITH_GROUPS = `${TAKEN}    groups:
      - key: one
        group: { name: One }
      - key: two
        group: { name: Two }
`;

describe('ledger resolve --community-id: an "exists" community that is ours', () => {
  it('adopts it; report lists its blocked groups until then; the next apply creates them under that id', async () => {
    // Created from another ledger: this one meets the handle as "exists".
    expect((await apply(ws.write('c.yaml', TAKEN), join(ws.dir, 'other.jsonl'))).code).toBe(0);
    const id = ws.sim.state.snapshot().communities[0]!.community_id;
    const manifest = ws.write('m.yaml', TAKEN_WITH_GROUPS);
    const first = await apply(manifest);
    expect(first.code).toBe(1);
    expect(ws.sim.state.snapshot().groups).toHaveLength(0);

    // Report with the manifests: the blocked groups have rows (the ledger alone has none).
    const plain = await cli(['report', '--format', 'json']);
    expect((JSON.parse(plain.stdout) as { key: string }[]).map((r) => r.key)).toEqual(['beta']);
    const report = await cli(['report', '--format', 'json', manifest]);
    expect(report.code).toBe(0);
    const rows = JSON.parse(report.stdout) as { kind: string; key: string; status: string; error_message: string | null }[];
    expect(rows.map((r) => `${r.status} ${r.kind} ${r.key}`)).toEqual(['exists community beta', 'blocked group beta/one', 'blocked group beta/two']);
    expect(rows[1]!.error_message).toMatch(/ledger resolve beta --community-id <id>/);

    const wrong = await cli(['ledger', 'resolve', 'beta', '--created']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/community beta is exists on the server with an id the ledger does not know: --created is for groups in doubt/);

    const r = await cli(['ledger', 'resolve', 'beta', '--community-id', id]);
    expect(r.code).toBe(0);
    expect(lines().at(-1)).toMatchObject({ kind: 'community', key: 'beta', event: 'adopted', community_id: id, by: 'ledger resolve' });

    const next = await apply(manifest);
    expect(next.code).toBe(0);
    const groups = ws.sim.state.snapshot().groups;
    expect(groups.map((g) => g.community_id)).toEqual([id, id]);
    expect(ws.sim.state.snapshot().communities).toHaveLength(1);

    const again = await cli(['ledger', 'resolve', 'beta', '--community-id', id]);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`error: community beta is adopted (community_id ${id}), not "exists" or in doubt: --community-id adopts a community whose handle exists with an unknown id\n`);
  });
});

const FAILING = `version: 1
defaults:
  community: { type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }
  group: { type: 4 }
communities:
  - handle: gamma
    name: Gamma
    categories: { existing: [999] }
    groups:
      - key: g1
        group: { name: G1 }
  - handle: delta
    name: Delta
`;

describe('ledger resolve --abandon', () => {
  it('runs skip the item (and its groups) and exit 0; report shows it as abandoned with the reason', async () => {
    const manifest = ws.write('m.yaml', FAILING);
    const first = await apply(manifest);
    expect(first.code).toBe(1);
    expect(lines().filter((l) => l.key === 'gamma').at(-1)?.event).toBe('failed');

    const noReason = await cli(['ledger', 'resolve', 'gamma', '--abandon']);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/--abandon needs --reason/);

    const r = await cli(['ledger', 'resolve', 'gamma', '--abandon', '--reason', 'category 999 was retired']);
    expect(r.code).toBe(0);
    expect(lines().at(-1)).toMatchObject({ kind: 'community', key: 'gamma', event: 'abandoned', message: 'category 999 was retired' });

    const before = requests();
    const next = await apply(manifest);
    expect(next.code).toBe(0);
    expect(requests()).toBe(before);

    const report = await cli(['report', '--format', 'json', manifest]);
    const rows = JSON.parse(report.stdout) as { key: string; status: string; error_message: string | null }[];
    expect(rows.find((x) => x.key === 'gamma')).toMatchObject({ status: 'abandoned', error_message: 'category 999 was retired' });
    expect(rows.find((x) => x.key === 'gamma/g1')).toMatchObject({ status: 'abandoned', error_message: 'its community "gamma" was abandoned by a person' });
    const failed = await cli(['report', '--failed', '--format', 'json']);
    expect(JSON.parse(failed.stdout)).toEqual([]);

    const twice = await cli(['ledger', 'resolve', 'gamma', '--abandon', '--reason', 'again']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toBe('error: community gamma is abandoned by a person (category 999 was retired): already abandoned\n');
    const created = await cli(['ledger', 'resolve', 'delta', '--abandon', '--reason', 'x']);
    expect(created.code).toBe(2);
    expect(created.stderr).toMatch(/^error: community delta is created \(community_id [^)]+\): it exists with a known id, nothing to abandon\n$/);
  });
});

describe('ledger resolve and show: unknown keys and usage', () => {
  it('an unknown key is exit 2 with the nearest key; no verdict or two verdicts are exit 2', async () => {
    await inDoubtGroup('reset-after');
    const r = await cli(['ledger', 'resolve', 'alpha/welcom', '--created']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no item "alpha\/welcom" in ledger .*ledger\.jsonl: did you mean "alpha\/welcome"\?/);
    const none = await cli(['ledger', 'resolve', 'alpha/welcome']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/say what was found: --created \[chat_id\], --absent/);
    const two = await cli(['ledger', 'resolve', 'alpha/welcome', '--created', '--absent']);
    expect(two.code).toBe(2);
    const show = await cli(['ledger', 'show', 'alpah']);
    expect(show.code).toBe(2);
    expect(show.stderr).toMatch(/did you mean "alpha"\?/);
    const missing = await cli(['ledger', 'resolve', 'alpha', '--abandon', '--reason', 'x'], join(ws.dir, 'nope.jsonl'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.jsonl does not exist or holds nothing yet: nothing to resolve/);
  });

  it('ledger show prints the whole history, one readable line per event, and the commands that apply', async () => {
    await inDoubtGroup('502-html');
    const sent = lines().find((l) => l.key === 'alpha/welcome' && l.event === 'attempt')!.chat_id as string;
    const r = await cli(['ledger', 'show', 'alpha/welcome']);
    expect(r.code).toBe(0);
    const out = r.stdout.split('\n');
    expect(out[0]).toMatch(/^group alpha\/welcome \(ledger \/.*ledger\.jsonl\)$/);
    expect(out[1]).toMatch(new RegExp(`^  \\d{4}-\\d\\d-\\d\\dT\\S+Z  attempt 1 .*chat_id=${sent}  run \\S+$`));
    expect(out[2]).toMatch(/^ {2}\S+Z {2}in_doubt {4}.*HTTP 502/);
    expect(r.stdout).toMatch(/now: in doubt \(HTTP 502/);
    expect(r.stdout).toContain(`look for it in Genuin (chat_id ${sent}), then:`);
    expect(r.stdout).toContain('genuin-provision ledger resolve alpha/welcome --kind group --created   # it exists');

    await cli(['ledger', 'resolve', 'alpha/welcome', '--absent']);
    const after = await cli(['ledger', 'show', 'alpha/welcome']);
    expect(after.stdout).toMatch(/absent {6}.*run resolve-\S+  by ledger resolve\n/);
    expect(after.stdout).toMatch(/now: marked absent by a person/);
  });
});
