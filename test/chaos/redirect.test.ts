// Chaos, the odd one out: a redirect. It is never followed (the Authorization header must not
// travel to another host), so the item fails for sure: not retried, not in doubt; the groups of
// a redirected community are blocked, and the next run creates them all, once.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { tempDir } from '../helpers/cli.js';
import { TOKEN, applyCli, expectExactlyOnce, figures, summaryUnresolved, writeFleet } from './helpers.js';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator({ token: TOKEN, seed: 707, latencyMs: { min: 1, max: 5 } });
});
afterEach(() => sim.close());

describe('chaos: redirects', () => {
  it('fail the item without following, and a rerun completes', async () => {
    const dir = tempDir('genuin-chaos-');
    const fleet = writeFleet(dir, 3, 2);
    const ledger = `${dir}/ledger.jsonl`;
    const args = [fleet.path, '--rate', '100/s', '--concurrency', '1', '--json'];
    sim.injectNext('redirect', { endpoint: 'community' });
    sim.injectNext('redirect', { endpoint: 'group' });
    const run = await applyCli(sim, dir, ledger, args);
    expect(run.code).toBe(1);
    const held = sim.state.snapshot();
    expect(held.faultLog.map((f) => f.kind)).toEqual(['redirect', 'redirect']);
    // c0 was redirected; with concurrency 1, the first group sent is c1's first.
    expect(summaryUnresolved(run)).toEqual(['blocked group c0/c0.g0', 'blocked group c0/c0.g1', 'failed community c0', 'failed group c1/c1.g0']);
    expect(held.counts.requests).toBe(fleet.items - 2); // c0's groups never sent; nothing retried

    const rerun = await applyCli(sim, dir, ledger, args);
    expect(rerun.code).toBe(0);
    expectExactlyOnce(sim, fleet);
    figures('redirect', { items: fleet.items, redirects: 2, first_exit: run.code, rerun_exit: rerun.code, duplicates: 0 });
  }, 60_000);
});
