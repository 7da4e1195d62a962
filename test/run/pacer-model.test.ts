// Issue 14's targets on the model (pacer-model.ts): the real Pacer against the simulator's real
// token bucket on a fake clock, with jittered answer times, three seeds each. Model time only:
// the bench (bench/suites/auto-rate.js) measures the same against the CLI and the simulator.
import { describe, expect, it } from 'vitest';
import { achieved, rateBetween, simulate, type ModelResult } from './pacer-model.js';

const SEEDS = [1, 2, 3];
const server = (limit: number, seed: number) => ({ limit, latencyMs: 5, jitterMs: 40, seed });

function share429(r: ModelResult): number {
  const accepted = r.accepted.reduce((n, a) => n + a.length, 0);
  const refused = r.refused.reduce((n, x) => n + x, 0);
  return refused / (accepted + refused);
}

describe.each([5, 30, 200])('a token bucket of %i/s the client does not know, 60 × L requests', (L) => {
  it.each(SEEDS)('--rate auto: at least 0.9 L, at most 2 percent of requests 429 (seed %i)', async (seed) => {
    const r = await simulate([{ pacer: { rate: 500, auto: true }, items: 60 * L }], server(L, seed));
    expect(achieved(r.accepted[0]!)).toBeGreaterThanOrEqual(0.9 * L);
    expect(share429(r)).toBeLessThanOrEqual(0.02);
    expect(r.pacers[0]!.found).toBeGreaterThan(0.85 * L);
    expect(r.pacers[0]!.found).toBeLessThan(1.1 * L);
  });

  it.each(SEEDS)('--rate 10L: settles the same way (seed %i)', async (seed) => {
    const r = await simulate([{ pacer: { rate: 10 * L }, items: 60 * L, concurrency: 32 }], server(L, seed));
    expect(achieved(r.accepted[0]!)).toBeGreaterThanOrEqual(0.9 * L);
    expect(share429(r)).toBeLessThanOrEqual(0.02);
  });
});

// A burst much smaller than the rate (the chaos suite's simulator: 40/s, burst 5): a client
// pacing evenly under the limit never meets a 429, but a Retry-After pause refills only the
// burst, so what a stretch between overloads was granted understates the limit (rate-control.ts).
// An explicit rate 5-10 × L went straight down to a tenth of its rate and crept up from there
// (0.42-0.72 L before); it now searches again. `--rate auto` still halves at its first overload
// and probes slowly from 0.6-0.7 L (see rate-control.ts for why): its floors guard that level.
// Floors are what seeds 1-2 reach, less 0.01-0.03.
describe.each([
  { L: 40, burst: 5, fixed: 10, fixedFloor: 0.8, autoFloor: 0.78 },
  { L: 200, burst: 10, fixed: 5, fixedFloor: 0.83, autoFloor: 0.74 },
  { L: 30, burst: 2, fixed: 10, fixedFloor: 0.77, autoFloor: 0.72 },
])('a token bucket of $L/s with a burst of $burst, 60 × L requests', ({ L, burst, fixed, fixedFloor, autoFloor }) => {
  const small = (seed: number) => ({ ...server(L, seed), burst });
  it.each([1, 2])(`--rate ${fixed}L: at least ${fixedFloor} L, at most 1 percent 429 (seed %i)`, async (seed) => {
    const r = await simulate([{ pacer: { rate: fixed * L }, items: 60 * L, concurrency: 32 }], small(seed));
    expect(achieved(r.accepted[0]!)).toBeGreaterThanOrEqual(fixedFloor * L);
    expect(share429(r)).toBeLessThanOrEqual(0.01);
  });

  it.each([1, 2])(`--rate auto: at least ${autoFloor} L, at most 1 percent of requests 429 (seed %i)`, async (seed) => {
    const r = await simulate([{ pacer: { rate: 500, auto: true }, items: 60 * L }], small(seed));
    expect(achieved(r.accepted[0]!)).toBeGreaterThanOrEqual(autoFloor * L);
    expect(share429(r)).toBeLessThanOrEqual(0.01);
  });
});

describe.each([30, 200])('two runs started together on one token, limit %i/s', (L) => {
  // Who meets the first 429s is chance (one request decides it at low rates), so fairness is a
  // property of many runs: checked over twelve seeds. In the model the smaller run's share is
  // under 0.4 L in one or two of them (0.35 at worst), the mean is above it, and none starves.
  it('neither starves, the smaller share averages at least 0.4 L, at most 2 % 429 in all', async () => {
    const smaller: number[] = [];
    for (let seed = 1; seed <= 12; seed++) {
      const run = { pacer: { rate: 500, auto: true }, items: 30 * L };
      const r = await simulate([run, run], server(L, seed));
      const bothRun = Math.min(...r.accepted.map((a) => a[a.length - 1]!));
      smaller.push(Math.min(...r.accepted.map((a) => rateBetween(a, 0, bothRun))) / L);
      expect(share429(r)).toBeLessThanOrEqual(0.02);
    }
    expect(Math.min(...smaller)).toBeGreaterThanOrEqual(0.33);
    expect(smaller.reduce((x, y) => x + y, 0) / smaller.length).toBeGreaterThanOrEqual(0.4);
  });
});

// Issue 22: a short run (600 creates) at 10 × the limit, with the executor's start-up window and
// answers 20-30 ms after sending. Its first overload is every request sent in the round trip
// after the bucket ran dry (rate × round trip: about 2, 7 and 38 requests at 5, 30, 200/s). The
// first cut goes to what the clean answers since the start show the server grants, so no second
// round of 429s follows the pause (halving from 10 × L met the refilled bucket at 5 × L: 4 more
// at 30/s, 17-21 at 200/s); later ones are single probes.
describe.each([5, 30, 200])('--rate 10L over 600 creates, limit %i/s (burst L) unknown', (L) => {
  it.each([1, 2])('one overload at the start, then only single probes; at least 0.95 L (seed %i)', async (seed) => {
    const r = await simulate([{ pacer: { rate: 10 * L, initialWindow: 4 }, items: 600, concurrency: 64 }], { limit: L, latencyMs: 20, jitterMs: 10, seed });
    const at = r.refusedAt[0]!;
    expect(at.length).toBeGreaterThan(0);
    const later = at.filter((t) => t > at[0]! + 500);
    later.forEach((t, i) => expect(t - (i === 0 ? at[0]! : later[i - 1]!)).toBeGreaterThan(1000));
    expect(achieved(r.accepted[0]!)).toBeGreaterThanOrEqual(0.95 * L);
    if (L === 5) expect(share429(r)).toBeLessThanOrEqual(0.01);
  });
});

describe('a run that starts from the rate the ledger recorded', () => {
  it('gets near the limit sooner than one that searches, with no more 429s', async () => {
    const L = 200;
    const fresh = await simulate([{ pacer: { rate: 500, auto: true }, items: 20 * L }], server(L, 1));
    const known = await simulate([{ pacer: { rate: 500, auto: true, knownLimit: fresh.pacers[0]!.found }, items: 20 * L }], server(L, 1));
    // The first 5 s: a search spends them doubling from 2/s.
    expect(rateBetween(known.accepted[0]!, 0, 5000)).toBeGreaterThan(0.85 * L);
    expect(rateBetween(fresh.accepted[0]!, 0, 5000)).toBeLessThan(0.5 * L);
    expect(known.refused[0]!).toBeLessThanOrEqual(fresh.refused[0]!);
  });
});
