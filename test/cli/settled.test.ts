// The scheduled rerun of a finished job (issue 22): after a run that sent nothing and found
// everything done, a rerun with the same manifests, settings, code and ledger reuses that answer
// without reading them; any change to any of them, or --full, reads everything again.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { simulatorWorkspace } from '../helpers/workspace.js';

const TOKEN = 'settled-token-7c1e';
const ws = simulatorWorkspace(TOKEN);

const MANIFEST = `version: 1
defaults:
  community: { type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }
  group: { type: 4 }
communities:
  - handle: alpha
    name: Alpha
    groups:
      - group: { name: Chat }
      - group: { name: News }
  - handle: beta
    name: Beta
`;

const SHORTCUT = /nothing changed since run ([0-9a-f-]+) \(.*\) found everything done: manifests and ledger not read again \(--full reads them\)/;

const text = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

function setup() {
  const manifest = ws.write('m.yaml', MANIFEST);
  const ledger = join(ws.dir, 'ledger.jsonl');
  const apply = (extra: string[] = [], env: Record<string, string> = {}) =>
    runCli(['apply', manifest, '--ledger', ledger, '--rate', '500/s', '--no-progress', ...extra], { env: { ...ws.env(), ...env }, cwd: ws.dir });
  return { manifest, ledger, apply };
}

describe('a rerun over a finished job', () => {
  it('the second no-op reuses the first one\'s answer: same counts, exit 0, the run it rests on named', async () => {
    const { ledger, apply } = setup();
    expect((await apply()).code).toBe(0);
    const first = await apply();
    expect(first.code).toBe(0);
    expect(first.stderr + first.stdout).not.toMatch(SHORTCUT);
    expect(existsSync(`${ledger}.settled`)).toBe(true);
    const firstRun = /run ([0-9a-f-]{36})/.exec(first.stdout + first.stderr)![1];

    const second = await apply();
    expect(second.code).toBe(0);
    const out = second.stdout + second.stderr;
    expect(out).toContain('created 0, already done 4, adopted 0, exists 0, failed 0, in doubt 0, blocked 0');
    expect(SHORTCUT.exec(out)?.[1]).toBe(firstRun);

    const json = await apply(['--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ skipped: 4, requests: 0, settled_by: { run: firstRun } });
  });

  it('a ledger line written since (another run, a ledger verb, a hand edit) reads everything again', async () => {
    const { ledger, apply } = setup();
    await apply();
    await apply();
    expect(text(await apply())).toMatch(SHORTCUT);
    // A person marks a group failed by hand: the full run must see it and send it again.
    const lines = readFileSync(ledger, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const chat = lines.find((l) => l.kind === 'group' && l.event === 'created')!;
    appendFileSync(ledger, JSON.stringify({ at: new Date().toISOString(), run: 'by-hand', kind: 'group', key: chat.key, event: 'failed', status: 400, code: 'X' }) + '\n');
    const before = ws.sim.state.snapshot().counts.requests;
    const r = await apply();
    expect(r.stdout + r.stderr).not.toMatch(SHORTCUT);
    expect(ws.sim.state.snapshot().counts.requests).toBeGreaterThan(before);
  });

  it('a manifest edited (one byte), another setting, or --full: everything is read again', async () => {
    const { manifest, apply } = setup();
    await apply();
    await apply();
    expect(text(await apply())).toMatch(SHORTCUT);
    expect(text(await apply(['--full']))).not.toMatch(SHORTCUT);
    expect(text(await apply([], { GENUIN_CHAT_ID_EXISTS: 'none' }))).not.toMatch(SHORTCUT);
    writeFileSync(manifest, MANIFEST + '\n');
    const edited = await apply();
    expect(edited.code).toBe(0);
    expect(text(edited)).not.toMatch(SHORTCUT);
    // The edited manifest's own no-op is recorded in turn.
    expect(text(await apply())).toMatch(SHORTCUT);
  });

  it('a run with something left for a person is never recorded: each rerun says it again', async () => {
    const { manifest, ledger, apply } = setup();
    writeFileSync(manifest, MANIFEST.replace('      - group: { name: News }\n', ''));
    // The one group's answer is lost after it was created: in doubt until a person says.
    ws.sim.injectNext('502-after', { endpoint: 'group' });
    expect((await apply()).code).toBe(1);
    for (let i = 0; i < 2; i++) {
      const r = await apply();
      expect(r.code).toBe(1);
      expect(r.stdout + r.stderr).toContain('in doubt 1');
      expect(r.stdout + r.stderr).not.toMatch(SHORTCUT);
    }
    expect(existsSync(`${ledger}.settled`)).toBe(false);
  });
});
