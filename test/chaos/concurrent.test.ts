// Chaos check 5: two applies on one ledger (overlapping cron jobs). One runs; the other exits 3
// at once, naming the holder; nothing is created twice.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { tempDir } from '../helpers/cli.js';
import { TOKEN, applyCli, expectExactlyOnce, figures, reconcile, until, writeFleet } from './helpers.js';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator({ token: TOKEN, seed: 505, latencyMs: { min: 5, max: 30 } });
});
afterEach(() => sim.close());

// Slow enough that the first run is still going when the second has started up.
const args = (fleet: { path: string }) => [fleet.path, '--rate', '100/s', '--concurrency', '8'];

describe('chaos 5: two applies on one ledger', () => {
  it('a second apply while the first runs exits 3 at once, naming the holder', async () => {
    const dir = tempDir('genuin-chaos-');
    const fleet = writeFleet(dir, 60, 2);
    const ledger = `${dir}/ledger.jsonl`;
    let firstPid = 0;
    let second: Promise<Awaited<ReturnType<typeof applyCli>>> | undefined;
    let secondMs = 0;
    const first = await applyCli(sim, dir, ledger, args(fleet), {
      onSpawn: (child) => {
        firstPid = child.pid!;
        second = until(() => sim.state.counts.requests > 0).then(() => {
          const started = performance.now();
          return applyCli(sim, dir, ledger, args(fleet), { spawn: true }).then((r) => {
            secondMs = performance.now() - started;
            return r;
          });
        });
      },
    });
    const other = await second!;
    expect(other.code).toBe(3);
    expect(other.stderr).toMatch(new RegExp(`in use by pid ${firstPid} on `));
    expect(other.stdout).toBe('');
    expect(first.code).toBe(0);
    expectExactlyOnce(sim, fleet);
    figures('5-concurrent-overlap', { items: fleet.items, second_exit: other.code, second_ms: Math.round(secondMs), first_exit: first.code, duplicates: 0 });
  }, 60_000);

  it('two applies started together: exactly one runs, the other exits 3, nothing duplicated', async () => {
    const dir = tempDir('genuin-chaos-');
    const fleet = writeFleet(dir, 60, 2);
    const ledger = `${dir}/ledger.jsonl`;
    // Processes of their own: runs inside the test process take turns, and these must overlap.
    const results = await Promise.all([applyCli(sim, dir, ledger, args(fleet), { spawn: true }), applyCli(sim, dir, ledger, args(fleet), { spawn: true })]);
    const codes = results.map((r) => r.code).sort();
    expect(codes).toEqual([0, 3]);
    expect(results.find((r) => r.code === 3)!.stderr).toMatch(/in use by pid \d+ on /);
    expectExactlyOnce(sim, fleet);
    const flagged = await reconcile(sim, ledger);
    expect([flagged.exists, flagged.inDoubt, flagged.inFlight]).toEqual([[], [], []]);
    figures('5-concurrent-together', { items: fleet.items, exits: codes, duplicates: sim.state.snapshot().duplicates.length });
  }, 60_000);
});
