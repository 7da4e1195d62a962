// `apply --rate auto` end to end (issue 14): the CLI against the simulator limited by a token
// bucket it does not know. Counts only (429s, creates, ledger lines), never time; but how many
// 429s a paced run meets depends on the machine keeping time, so it lives in the chaos suite
// (npm test has the controller and the pacer on a fake clock: test/run/rate-control, pacer*).
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLedger } from '../../src/ledger/replay.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { tempDir } from '../helpers/cli.js';
import { TOKEN, applyCli, expectExactlyOnce, writeFleet } from './helpers.js';

const LIMIT = 40;
let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator({ token: TOKEN, seed: 1414, latencyMs: { min: 2, max: 20 }, rateLimit: { rate: LIMIT } });
});
afterEach(() => sim.close());

describe('apply --rate auto against a limited server', () => {
  it('creates everything once with few 429s, shows and records the rate found, and the next run starts from it', async () => {
    const dir = tempDir('genuin-auto-rate-');
    const fleet = writeFleet(dir, 60, 4); // 300 items
    const ledger = `${dir}/ledger.jsonl`;
    const run = await applyCli(sim, dir, ledger, [fleet.path, '--rate', 'auto', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expectExactlyOnce(sim, fleet);
    const first = sim.state.snapshot().counts;
    expect(first.rateLimited).toBeGreaterThan(0); // the limit was met ...
    expect(first.rateLimited / first.requests).toBeLessThanOrEqual(0.03); // ... and seldom
    const summary = JSON.parse(run.stdout) as { rate_found: number };
    expect(summary.rate_found).toBeGreaterThan(LIMIT * 0.3);
    expect(summary.rate_found).toBeLessThan(LIMIT * 1.5);
    expect(run.stderr).toContain('rate found:');

    const state = await readLedger(ledger);
    expect(state.rateFound).toBe(summary.rate_found);
    const observed = readFileSync(ledger, 'utf8').split('\n').filter((l) => l.includes('"observed"') && l.includes('"rate"'));
    expect(observed.length).toBeGreaterThanOrEqual(1);

    // The next run (more items, GENUIN_RATE=auto) starts near that rate instead of searching from
    // 2/s: fewer 429s than a search costs (its first overload alone is several).
    const more = writeFleet(dir, 60, 4, 'd');
    const before = sim.state.snapshot().counts;
    const again = await applyCli(sim, dir, ledger, [more.path, '--json'], { env: { GENUIN_RATE: 'auto' } });
    expect(again.code, again.stderr).toBe(0);
    const after = sim.state.snapshot().counts;
    const refused = after.rateLimited - before.rateLimited;
    const requests = after.requests - before.requests;
    expect(refused / requests).toBeLessThanOrEqual(0.02);
    expect((JSON.parse(again.stdout) as { rate_found: number }).rate_found).toBeGreaterThan(LIMIT * 0.5);
  }, 120_000);
});
