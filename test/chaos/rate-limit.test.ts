// Chaos check 6: a server whose real limit is far below --rate. The run must finish with every
// item created once, and 429s a small fraction of the requests: the pacer pauses for
// Retry-After, halves its rate once per overload and creeps back while answers are clean.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { tempDir } from '../helpers/cli.js';
import { TOKEN, applyCli, expectExactlyOnce, figures, writeFleet } from './helpers.js';

const LIMIT = 40;
const RATE = 200;
let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator({ token: TOKEN, seed: 606, latencyMs: { min: 5, max: 30 }, rateLimit: { rate: LIMIT, burst: 5 } });
});
afterEach(() => sim.close());

describe('chaos 6: a server limit below --rate', () => {
  it(`finishes at a limit of ${LIMIT}/s under --rate ${RATE}/s with few 429s`, async () => {
    const dir = tempDir('genuin-chaos-');
    const fleet = writeFleet(dir, 100, 2);
    const ledger = `${dir}/ledger.jsonl`;
    const started = performance.now();
    const run = await applyCli(sim, dir, ledger, [fleet.path, '--rate', `${RATE}/s`, '--concurrency', '8']);
    const seconds = (performance.now() - started) / 1000;
    expect(run.code).toBe(0);
    expectExactlyOnce(sim, fleet);
    const { counts } = sim.state.snapshot();
    const share = counts.rateLimited / counts.requests;
    // A guard against a 429 storm (most 429s come while the first overload is learnt); the
    // precise bound (≤ 2 %) is measured by `npm run bench`, where a busy machine cannot fail CI.
    expect(share).toBeLessThan(0.1);
    figures('6-rate-limit', {
      items: fleet.items,
      server_limit_per_s: LIMIT,
      rate_flag_per_s: RATE,
      requests: counts.requests,
      answered_429: counts.rateLimited,
      share_429: Number(share.toFixed(3)),
      seconds: Number(seconds.toFixed(1)),
      ideal_seconds: fleet.items / LIMIT,
    });
  }, 90_000);
});
