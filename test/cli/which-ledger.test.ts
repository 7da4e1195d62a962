// Knowing which ledger you are on: plan, apply and report name the absolute ledger path, say
// when it does not exist yet (report then exits 2), and a young ledger that meets many taken
// handles gets a summary note that it is probably not the ledger used before.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { simulatorWorkspace } from '../helpers/workspace.js';

const TOKEN = 'test-token-which-ledger-77c2';
const ws = simulatorWorkspace(TOKEN);

function fleet(n: number): string {
  const rows = Array.from({ length: n }, (_, i) => `  - { handle: wl-${i}, name: C ${i}, type: 1, actions: [] }`);
  return ws.write('fleet.yaml', `version: 1\ncommunities:\n${rows.join('\n')}\n`);
}

/** A directory of its own under the workspace, as an operator's `cd` elsewhere. */
function elsewhere(name: string): string {
  const dir = join(ws.dir, name);
  mkdirSync(dir);
  return dir;
}

const run = (args: string[], cwd: string, env: Record<string, string> = {}) => runCli(args, { env: { ...ws.env(), ...env }, cwd });

describe('plan names its ledger', () => {
  it('a missing default ledger: the absolute path and "does not exist yet" first; --json carries it as `ledger`', async () => {
    const manifest = fleet(2);
    const dir = elsewhere('other');
    const r = await run(['plan', manifest], dir);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`ledger ${join(dir, 'genuin-ledger.jsonl')} does not exist yet: everything is planned as new`);
    const json = await run(['plan', manifest, '--json', '--ledger', 'rel/l.jsonl'], dir);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).ledger).toBe(join(dir, 'rel', 'l.jsonl'));
    expect(json.stderr).toContain(`ledger ${join(dir, 'rel', 'l.jsonl')} does not exist yet`);
  });

  it('an existing ledger: `ledger: /abs/path`, from GENUIN_LEDGER relative to the working directory', async () => {
    const manifest = fleet(1);
    const dir = ws.dir;
    expect((await run(['apply', manifest, '--ledger', 'mine.jsonl', '--quiet'], dir)).code).toBe(0);
    const r = await run(['plan', manifest], dir, { GENUIN_LEDGER: 'mine.jsonl' });
    expect(r.stdout.split('\n')[0]).toBe(`ledger: ${join(dir, 'mine.jsonl')}`);
    expect(r.stdout).toMatch(/already done: 1/);
  });
});

describe('apply names its ledger', () => {
  it('the first line names the new ledger; --json has `ledger`; the log line too', async () => {
    const manifest = fleet(1);
    const dir = elsewhere('fresh');
    const log = join(dir, 'run.log');
    const r = await run(['apply', manifest, '--json', '--log-file', log], dir);
    expect(r.code).toBe(0);
    const ledger = join(dir, 'genuin-ledger.jsonl');
    expect(r.stderr.split('\n')[0]).toBe(`ledger ${ledger} does not exist yet: everything is planned as new`);
    expect(JSON.parse(r.stdout)).toMatchObject({ ledger, created: 1 });
    const finished = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.msg === 'run finished');
    expect(finished).toEqual([expect.objectContaining({ ledger, created: 1 })]);
    const again = await run(['apply', fleet(2), '--log-file', log], dir);
    expect(again.stdout.split('\n')[0]).toBe(`ledger: ${ledger}`);
  });
});

describe('a run on the wrong ledger', () => {
  it('a new ledger meeting many `exists`: the summary says it is probably not the ledger used before, and where the default is looked for', async () => {
    const manifest = fleet(4);
    const home = elsewhere('home');
    expect((await run(['apply', manifest, '--quiet'], home)).code).toBe(0);
    expect(ws.sim.state.snapshot().communities).toHaveLength(4);

    const away = elsewhere('away');
    const r = await run(['apply', manifest, '--json'], away);
    expect(r.code).toBe(0); // an existing community counts as done
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ exists: 4, ledger: join(away, 'genuin-ledger.jsonl') });
    const note = `4 communities already exist on the server, but ledger ${join(away, 'genuin-ledger.jsonl')} (the default, in the working directory) is new: it is probably not the ledger used before.`;
    expect(r.stderr).toContain(note);
    expect(r.stderr).toContain(`else ./genuin-ledger.jsonl in the working directory, here ${join(away, 'genuin-ledger.jsonl')}`);
    expect(summary.ledger_note).toContain(note);
  });

  it('an old ledger meeting a few `exists` says nothing of the kind', async () => {
    const home = elsewhere('home');
    expect((await run(['apply', fleet(1), '--quiet'], home)).code).toBe(0);
    expect((await run(['apply', fleet(2), '--quiet'], home)).code).toBe(0);
    // Three handles taken by someone else, met by a ledger with two runs behind it: just `exists`.
    for (const h of ['wl-2', 'wl-3', 'wl-4']) ws.sim.state.addCommunity({ community_id: `other-${h}`, handle: h, body: {}, created_at: new Date().toISOString() });
    const r = await run(['apply', fleet(5)], home);
    expect(r.stdout).toMatch(/exists 3,/);
    expect(r.stdout + r.stderr).not.toMatch(/probably not the ledger/);
  });
});

describe('report names its ledger', () => {
  it('a missing ledger: exit 2 with its absolute path and where the default is looked for', async () => {
    const dir = elsewhere('nowhere');
    const r = await run(['report'], dir);
    expect(r.code).toBe(2);
    const ledger = join(dir, 'genuin-ledger.jsonl');
    expect(r.stderr).toBe(`error: ledger ${ledger} does not exist yet: nothing to report; the ledger is --ledger, else GENUIN_LEDGER, else ./genuin-ledger.jsonl in the working directory, here ${ledger}\n`);
    expect(r.stdout).toBe('');
  });

  it('an existing ledger: `ledger: /abs/path` on stderr, the data alone on stdout', async () => {
    const dir = elsewhere('here');
    expect((await run(['apply', fleet(1), '--quiet'], dir)).code).toBe(0);
    const r = await run(['report', '--format', 'json'], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`ledger: ${join(dir, 'genuin-ledger.jsonl')}\n`);
    expect(JSON.parse(r.stdout)).toHaveLength(1);
  });
});

describe('a ledger argument that looks like a URL but is not a supported one', () => {
  const PASSWORD = 'Hunter2-secret';
  const nearMisses = [
    `postgress://genuin:${PASSWORD}@db.internal:5432/prod`,
    `postgres:/genuin:${PASSWORD}@db.internal/prod`,
    `postgresql:genuin:${PASSWORD}@db.internal/prod`,
    `pg://genuin:${PASSWORD}@db.internal/prod`,
    `mysql://genuin:${PASSWORD}@db.internal/prod`,
    `genuin:${PASSWORD}@db.internal/prod`,
    `./postgres://genuin:${PASSWORD}@db.internal/prod`,
    `postgres:/db.internal/prod?password=${PASSWORD}`,
  ];

  it.each(nearMisses)('%s: exit 2, one line naming what is wrong and the supported forms, never the password (plan, apply, --ledger and GENUIN_LEDGER)', async (location) => {
    const manifest = fleet(1);
    const dir = elsewhere(`near-${nearMisses.indexOf(location)}`);
    for (const r of [
      await run(['plan', manifest, '--ledger', location], dir),
      await run(['apply', manifest, '--ledger', location], dir),
      await run(['plan', manifest], dir, { GENUIN_LEDGER: location }),
      await run(['apply', manifest, '--json'], dir, { GENUIN_LEDGER: location }),
    ]) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
      expect(r.stderr).toMatch(/^error: (--ledger|GENUIN_LEDGER) \S+ looks like a URL but is not one the ledger takes: .+; a ledger is a file path, or postgres:\/\/\[user@\]host\[:port\]\/database/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    // Nothing was made under a name taken from the URL.
    expect(ws.sim.state.snapshot().communities.filter((c) => c.handle === 'wl-0')).toHaveLength(0);
  });

  it('a plain path with a colon (a timestamp) is still a file', async () => {
    const dir = elsewhere('colons');
    const r = await run(['plan', fleet(1), '--ledger', 'ledger-2026-01-01T02:00.jsonl'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`ledger ${join(dir, 'ledger-2026-01-01T02:00.jsonl')} does not exist yet: everything is planned as new`);
  });
});
