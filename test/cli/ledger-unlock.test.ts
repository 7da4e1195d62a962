// `ledger unlock`, a person's word that a lock's holder is gone, and `apply --skip-if-locked`
// against a holder in another PID namespace: through the CLI, with lock files of holders that
// this process cannot judge by pid (their heartbeat beating, or stopped).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { simulatorWorkspace } from '../helpers/workspace.js';
import { foreignLock } from '../ledger/lock-helpers.js';

const TOKEN = 'test-token-unlock-7c2e';
const ws = simulatorWorkspace(TOKEN);
const ledger = () => join(ws.dir, 'ledger.jsonl');
const unlock = (...args: string[]) => runCli(['ledger', 'unlock', '--ledger', ledger(), ...args], { env: ws.env(), cwd: ws.dir });

let stop: (() => void) | undefined;
afterEach(() => {
  stop?.();
  stop = undefined;
});

describe('a holder in another PID namespace, through the CLI', () => {
  it('apply --skip-if-locked: its heartbeat beats, so it is alive: exit 4, nothing printed, nothing sent', async () => {
    const held = await foreignLock(ledger(), { beating: true });
    stop = held.stop;
    const manifest = ws.write('m.yaml', 'version: 1\ncommunities:\n  - { handle: ns-a, name: A, type: 1, actions: [] }\n');
    const log = join(ws.dir, 'apply.log');
    const r = await runCli(['apply', manifest, '--ledger', ledger(), '--quiet', '--skip-if-locked', '--log-file', log], { env: ws.env(), cwd: ws.dir });
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 4, stdout: '', stderr: '' });
    expect(readFileSync(log, 'utf8')).toMatch(/skipped \(--skip-if-locked\): ledger .* a run in another PID namespace .*, whose heartbeat is alive; wait for that run/);
    expect(ws.sim.state.snapshot().counts.requests).toBe(0);
  });

  it('ledger unlock refuses a holder whose heartbeat beats (exit 3), and leaves its lock', async () => {
    const held = await foreignLock(ledger(), { beating: true });
    stop = held.stop;
    const r = await unlock('--stale-after', '1m');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: ledger .* is in use by pid \d+ on .*, a run in another PID namespace .*, whose heartbeat is alive; wait for that run\n/m);
    expect(existsSync(held.file)).toBe(true);
  });

  // --stale-after 1s: the one real wait here, the time the heartbeat must be seen still.
  it('ledger unlock takes over a holder whose heartbeat stood still, and releases the lock', async () => {
    const held = await foreignLock(ledger(), { beating: false, heartbeatMs: 100 });
    const r = await unlock('--stale-after', '1s');
    expect(r.code).toBe(0);
    expect(r.stderr + r.stdout).toMatch(/watching its heartbeat for up to 1 s/);
    expect(r.stderr + r.stdout).toMatch(new RegExp(`taking over lock ${held.file} of pid \\d+ .*: its heartbeat stood still for 1 s, and a person said it is gone; the lock is released: ledger ${ledger()} is free`));
    expect(existsSync(held.file)).toBe(false);
  });

  it('ledger unlock on a free ledger says so; on a PostgreSQL ledger there is nothing to unlock (exit 2)', async () => {
    const free = await unlock();
    expect(free.code).toBe(0);
    expect(free.stderr + free.stdout).toContain(`ledger ${ledger()} was not locked`);
    const pg = await runCli(['ledger', 'unlock', '--ledger', 'postgres://genuin:secret@db.invalid/genuin'], { env: ws.env(), cwd: ws.dir });
    expect(pg.code).toBe(2);
    expect(pg.stderr).toMatch(/^error: ledger postgres:\/\/genuin@db\.invalid\/genuin is a PostgreSQL ledger: its lock is an advisory lock that ends with the session holding it/);
    expect(pg.stderr).not.toContain('secret');
  });
});
