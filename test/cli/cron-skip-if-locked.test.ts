// Overlapping cron runs: with --skip-if-locked a run that finds the ledger held by a live run
// prints nothing and exits 4 (a line at info in --log-file); without it, exit 3, and the lock
// message reaches --log-file as well as stderr.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock, LockHeldError, type LedgerLock } from '../../src/ledger/lock.js';
import { LedgerError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { simulatorWorkspace } from '../helpers/workspace.js';

const TOKEN = 'test-token-cron-skip-5a1e';
const ws = simulatorWorkspace(TOKEN);
const ledger = () => join(ws.dir, 'ledger.jsonl');
const MANIFEST = `version: 1
communities:
  - { handle: cron-a, name: A, type: 1, actions: [] }
`;
const logLines = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { level: number; msg: string });

let held: LedgerLock | undefined;
afterEach(async () => {
  await held?.release();
  held = undefined;
});

describe('apply while another live run holds the ledger', () => {
  it('the lock refusal is a LockHeldError, still a LedgerError (exit 3)', async () => {
    held = await acquireLock(ledger());
    const error = await acquireLock(ledger()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockHeldError);
    expect(error).toBeInstanceOf(LedgerError);
    expect((error as LedgerError).exitCode).toBe(3);
  });

  it('--skip-if-locked: exit 4, nothing on stdout or stderr, one info line in --log-file, nothing sent', async () => {
    const manifest = ws.write('m.yaml', MANIFEST);
    const log = join(ws.dir, 'apply.log');
    held = await acquireLock(ledger()); // this test process: a live pid on this host
    const r = await runCli(['apply', manifest, '--ledger', ledger(), '--quiet', '--skip-if-locked', '--log-file', log], { env: ws.env(), cwd: ws.dir });
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 4, stdout: '', stderr: '' });
    const lines = logLines(log);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe(30); // info
    expect(lines[0]!.msg).toMatch(new RegExp(`^skipped \\(--skip-if-locked\\): ledger ${ledger()} is in use by pid ${process.pid} `));
    expect(ws.sim.state.snapshot().counts.requests).toBe(0);
  });

  it('--skip-if-locked without --log-file prints nothing at all', async () => {
    const manifest = ws.write('m.yaml', MANIFEST);
    held = await acquireLock(ledger());
    const r = await runCli(['apply', manifest, '--ledger', ledger(), '--skip-if-locked'], { env: ws.env(), cwd: ws.dir });
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 4, stdout: '', stderr: '' });
  });

  it('without the flag: exit 3, the lock message on stderr and in --log-file at error', async () => {
    const manifest = ws.write('m.yaml', MANIFEST);
    const log = join(ws.dir, 'apply.log');
    held = await acquireLock(ledger());
    const r = await runCli(['apply', manifest, '--ledger', ledger(), '--quiet', '--log-file', log], { env: ws.env(), cwd: ws.dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: ledger .* is in use by pid \d+ on /);
    const errors = logLines(log).filter((l) => l.level === 50);
    expect(errors.map((l) => l.msg)).toEqual([expect.stringMatching(new RegExp(`^ledger ${ledger()} is in use by pid ${process.pid} on `))]);
  });

  it('--skip-if-locked does not hide other errors: a free ledger runs as usual, a missing API URL still fails', async () => {
    const manifest = ws.write('m.yaml', MANIFEST);
    const log = join(ws.dir, 'apply.log');
    const ok = await runCli(['apply', manifest, '--ledger', ledger(), '--quiet', '--skip-if-locked', '--log-file', log], { env: ws.env(), cwd: ws.dir });
    expect(ok.code).toBe(0);
    expect(ws.sim.state.snapshot().communities).toHaveLength(1);
    const noUrl = await runCli(['apply', manifest, '--ledger', ledger(), '--skip-if-locked', '--log-file', log], { env: { GENUIN_ACCESS_TOKEN: TOKEN }, cwd: ws.dir });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/^error: GENUIN_API_URL is not set/);
    expect(existsSync(log)).toBe(true);
    expect(logLines(log).filter((l) => l.level === 50).map((l) => l.msg)).toEqual([expect.stringMatching(/^GENUIN_API_URL is not set/)]);
  });
});
