// Ways a run really ends (issue 10, point 6): a dropped SSH session (SIGHUP), and readers that
// go away (`| head -1`, `2>&1 | head`, a closed stderr). Losing a reader never loses work: the
// run settles, releases its lock and exits with the code it earned. Truth is the simulator's.
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLedger } from '../../src/ledger/replay.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { TOKEN, applyCli, expectExactlyOnce, reconcile, until, writeFleet, type Fleet } from '../chaos/helpers.js';
import { runClosing, type ClosingOptions } from './closing-spawn.js';

let sim: Simulator;
beforeEach(async () => {
  // Slow answers: a signal or a closed pipe always finds requests in flight.
  sim = await startSimulator({ token: TOKEN, seed: 10, latencyMs: { min: 40, max: 160 } });
});
afterEach(() => sim.close());

const env = () => ({ GENUIN_API_URL: sim.url, GENUIN_ACCESS_TOKEN: TOKEN });

/** Lock files left in the run's directory (whatever the lock's exact name). */
const locksIn = (dir: string) => readdirSync(dir).filter((f) => f.includes('.lock'));

/** Once five communities exist: `signal`, then the same again once the first has been taken (its warning is on stderr). */
function signalTwice(child: ChildProcess, signal: NodeJS.Signals): void {
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  void until(() => sim.state.communities.size >= 5).then(async () => {
    child.kill(signal);
    await until(() => stderr.includes(signal) || child.exitCode !== null || child.signalCode !== null);
    child.kill(signal);
  });
}

/** Every item of the fleet is `created` in the ledger, with the id the simulator gave it. */
async function expectAllRecorded(fleet: Fleet, ledger: string): Promise<void> {
  const state = await readLedger(ledger);
  const missing = [...fleet.handles.map((h) => ['community', h] as const), ...fleet.groups.map((g) => ['group', g.key] as const)]
    .filter(([kind, key]) => state.get(kind, key)?.status !== 'created')
    .map(([kind, key]) => `${kind} ${key}`);
  expect(missing).toEqual([]);
  const flagged = await reconcile(sim, ledger);
  expect([flagged.exists, flagged.inDoubt, flagged.inFlight]).toEqual([[], [], []]);
}

describe('SIGHUP (a dropped SSH session) is a graceful stop, like SIGTERM', () => {
  const args = (fleet: Fleet) => [fleet.path, '--rate', '100/s', '--concurrency', '8', '--timeout', '5s', '--json'];

  it('finishes requests in flight, records them, releases the lock, exits 3', async () => {
    sim.configure({ latencyMs: { min: 300, max: 1_200 } });
    const dir = tempDir('genuin-endings-');
    const fleet = writeFleet(dir, 40, 2);
    const ledger = join(dir, 'ledger.jsonl');
    const run = await applyCli(sim, dir, ledger, args(fleet), {
      onSpawn: (child) => void until(() => sim.state.communities.size >= 5).then(() => child.kill('SIGHUP')),
    });
    expect(run.signal).toBe(null);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('SIGHUP');
    expect(locksIn(dir)).toEqual([]);
    // Every group the simulator holds is in the ledger with its ids; nothing in flight or in doubt.
    const flagged = await reconcile(sim, ledger);
    expect([flagged.exists, flagged.inDoubt, flagged.inFlight]).toEqual([[], [], []]);
    expect((JSON.parse(run.stdout) as { stopped: string }).stopped).toBe('signal');

    sim.configure({ latencyMs: 1 });
    const rerun = await applyCli(sim, dir, ledger, args(fleet));
    expect(rerun.code).toBe(0);
    expectExactlyOnce(sim, fleet);
  }, 90_000);

  it('a second signal cuts the run short, and still leaves no lock behind', async () => {
    sim.configure({ latencyMs: { min: 300, max: 1_200 } });
    const dir = tempDir('genuin-endings-');
    const fleet = writeFleet(dir, 40, 2);
    const ledger = join(dir, 'ledger.jsonl');
    const run = await applyCli(sim, dir, ledger, args(fleet), {
      onSpawn: (child) => signalTwice(child, 'SIGHUP'),
    });
    expect(run.code).toBe(3);
    expect(locksIn(dir)).toEqual([]);

    // Issue 20, finding 4: a request cut after it was sent is in doubt, never failed, and the
    // summary counts every item the ledger says is in doubt, and says the requests were cut.
    const lines = readFileSync(ledger, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; kind?: string; key?: string; code?: string });
    expect(lines.filter((l) => l.event === 'failed')).toEqual([]);
    const state = await readLedger(ledger);
    const inDoubt = [...state.items.values()].filter((i) => i.status === 'in_doubt' && !i.inFlight);
    const inFlight = [...state.items.values()].filter((i) => i.inFlight);
    const summary = JSON.parse(run.stdout) as { in_doubt: number; stopped: string; cut: { sent: number; unsent: number }; unresolved: Array<{ status: string; key: string }> };
    expect(summary.stopped).toBe('signal');
    expect(summary.cut.sent).toBeGreaterThan(0);
    expect(summary.in_doubt).toBe(inDoubt.length);
    expect(summary.cut.sent).toBe(inDoubt.length);
    expect(summary.cut.unsent).toBe(inFlight.length);
    expect(summary.unresolved.filter((u) => u.status === 'in_doubt').map((u) => u.key).sort()).toEqual(inDoubt.map((i) => i.key).sort());
    expect(run.stderr).toMatch(/SIGHUP: cutting requests in flight: those already sent are recorded in doubt/);

    // The requests it cut are settled by the next run: sent again (communities, safe by their
    // handle) or flagged in doubt (groups); nothing is created twice.
    sim.configure({ latencyMs: 1 });
    const rerun = await applyCli(sim, dir, ledger, args(fleet));
    expect([0, 1]).toContain(rerun.code);
    const flagged = await reconcile(sim, ledger);
    expect(flagged.inFlight).toEqual([]);
  }, 90_000);

  it('the summary text says the requests were cut, not finished', async () => {
    sim.configure({ latencyMs: { min: 300, max: 1_200 } });
    const dir = tempDir('genuin-endings-');
    const fleet = writeFleet(dir, 40, 2);
    const ledger = join(dir, 'ledger.jsonl');
    const run = await applyCli(sim, dir, ledger, [fleet.path, '--rate', '100/s', '--concurrency', '8', '--no-progress'], {
      onSpawn: (child) => signalTwice(child, 'SIGINT'),
    });
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/stopped by a second signal: requests in flight were cut, not finished: \d+ requests? cut after/);
    expect(run.stdout).not.toContain('were finished and recorded');
  }, 90_000);
});

describe('a reader that goes away never loses work', () => {
  /** 40 items (20 communities, one group each), a progress line on stderr every 50 ms. */
  async function applyClosing(close: Pick<ClosingOptions, 'stdout' | 'stderr' | 'both'>, extra: string[] = []) {
    const dir = tempDir('genuin-endings-');
    const fleet = writeFleet(dir, 20, 1);
    const ledger = join(dir, 'ledger.jsonl');
    const run = await runClosing(
      ['apply', fleet.path, '--ledger', ledger, '--rate', '100/s', '--concurrency', '4', '--progress-interval', '50ms', ...extra],
      { env: env(), cwd: dir, ...close },
    );
    return { dir, fleet, ledger, run };
  }

  it('`apply | head -1` with stdout closed before anything is written: the run completes, exit 0', async () => {
    const { dir, fleet, ledger, run } = await applyClosing({ stdout: 'start' });
    expect(run.signal).toBe(null);
    expect(run.code).toBe(0);
    expectExactlyOnce(sim, fleet);
    await expectAllRecorded(fleet, ledger);
    expect(locksIn(dir)).toEqual([]);
  }, 60_000);

  it('`apply 2>&1 | head`: both streams closed after the first chunk, the run completes, exit 0', async () => {
    const { dir, fleet, ledger, run } = await applyClosing({ both: true });
    expect(run.stdout + run.stderr).not.toBe('');
    expect(run.signal).toBe(null);
    expect(run.code).toBe(0);
    expectExactlyOnce(sim, fleet);
    await expectAllRecorded(fleet, ledger);
    expect(locksIn(dir)).toEqual([]);
  }, 60_000);

  it('stderr closed alone (after its first progress line): the run completes, exit 0', async () => {
    const { dir, fleet, ledger, run } = await applyClosing({ stderr: 'first-chunk' });
    expect(run.stderr).not.toBe('');
    expect(run.code).toBe(0);
    expectExactlyOnce(sim, fleet);
    await expectAllRecorded(fleet, ledger);
    expect(locksIn(dir)).toEqual([]);
    expect(run.stdout).toContain('created 40');
  }, 60_000);

  it('with stdout gone, the exit code is still the one the run earned', async () => {
    // A community that exists on the server with no id in this ledger: the run earns exit 1.
    const dir = tempDir('genuin-endings-');
    const first = writeFleet(dir, 1, 0);
    const before = await runCli(['apply', first.path, '--ledger', join(dir, 'other.jsonl')], { env: env(), cwd: dir });
    expect(before.code).toBe(0);
    const fleet = writeFleet(dir, 20, 1);
    const ledger = join(dir, 'ledger.jsonl');
    const run = await runClosing(['apply', fleet.path, '--ledger', ledger, '--rate', '100/s', '--concurrency', '4'], { env: env(), cwd: dir, stdout: 'first-chunk' });
    expect(run.stdout).not.toBe('');
    expect(run.code).toBe(1);
    expect(locksIn(dir)).toEqual([]);
    const state = await readLedger(ledger);
    expect(state.get('community', 'c0')?.status).toBe('exists');
    expect(state.get('community', 'c19')?.status).toBe('created');
  }, 60_000);

  it('with --log-file, what stdout and stderr would have said goes to the log file', async () => {
    const dir = tempDir('genuin-endings-');
    const log = join(dir, 'run.log');
    const fleet = writeFleet(dir, 3, 1);
    const ledger = join(dir, 'ledger.jsonl');
    const run = await runClosing(['apply', fleet.path, '--ledger', ledger, '--log-file', log], { env: env(), cwd: dir, stdout: 'start', stderr: 'start' });
    expect(run.code).toBe(0);
    const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string });
    expect(lines.some((l) => l.msg.startsWith('created 6,'))).toBe(true);
  }, 60_000);
});

describe('read-only commands still end early and quietly when their reader goes', () => {
  it('`report | head -1` exits 0', async () => {
    const dir = tempDir('genuin-endings-');
    const fleet = writeFleet(dir, 200, 4);
    const ledger = join(dir, 'ledger.jsonl');
    sim.configure({ latencyMs: 0 });
    const done = await runCli(['apply', fleet.path, '--ledger', ledger, '--rate', '1000/s', '--quiet'], { env: env(), cwd: dir });
    expect(done.code).toBe(0);
    const run = await runClosing(['report', '--ledger', ledger], { env: env(), cwd: dir, stdout: 'first-chunk' });
    expect(run.signal).toBe(null);
    expect(run.code).toBe(0);
  }, 60_000);
});

describe('a long Retry-After is logged when the pause starts', () => {
  it('logs the wait, the time it ends and the new rate at info', async () => {
    // One request a minute and a half: the second request is told to wait about 90 s.
    sim.configure({ latencyMs: 0, rateLimit: { rate: 1 / 90, burst: 1 } });
    const dir = tempDir('genuin-endings-');
    const fleet = writeFleet(dir, 3, 0);
    const ledger = join(dir, 'ledger.jsonl');
    let stderr = '';
    const run = await applyCli(sim, dir, ledger, [fleet.path, '--rate', '100/s', '--concurrency', '2'], {
      onSpawn: (child) => {
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        const stop = () => void child.kill('SIGTERM');
        void until(() => stderr.includes('Retry-After'), 30_000).then(stop, stop);
      },
    });
    expect(run.code).toBe(3);
    const pause = run.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string; pause_ms?: number; rate?: number })
      .find((l) => l.msg.includes('Retry-After'));
    expect(pause?.level).toBe(30);
    expect(pause?.msg).toMatch(/^server asked to wait 1m\d\ds \(Retry-After\); pausing all requests until \d\d:\d\d:\d\d/);
    expect(pause?.pause_ms).toBeGreaterThan(60_000);
    expect(pause?.rate).toBe(50);
    expect(locksIn(dir)).toEqual([]);
  }, 60_000);
});
