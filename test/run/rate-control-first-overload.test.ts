// The first overload of a run with no limit measured yet (a fixed --rate, issue 22), as a
// decision table: where the rate goes from the clean answers since the start, on a fake clock.
import { describe, expect, it } from 'vitest';
import { RateControl } from '../../src/run/rate-control.js';

interface Case {
  name: string;
  /** The flag's rate (requests per second); the run starts there. */
  rate: number;
  /** Clean answers before the overload, spread evenly over `overMs` from the first. */
  clean: number;
  overMs: number;
  search?: boolean;
  /** Where the rate goes at the cut, as [low, high]. */
  to: [number, number];
  /** Whether it searches upwards afterwards (doubling each second of clean answers). */
  searches: boolean;
}

// The server's limit is L = 200/s with a burst of L unless a case says otherwise: a run at
// rate R ≥ L empties the bucket after L / (R − L) s, having had L (1 + that) answered cleanly.
const L = 200;
const cases: Case[] = [
  // 10 × L: empty 0.11 s in; the count is a second's burst and 0.11 s of refill. Old: halved to 5 L.
  { name: '10 × L, cut 0.11 s in: to L (a tenth of its rate at most, and what was granted)', rate: 10 * L, clean: 222, overMs: 111, to: [0.95 * L, 1.0 * L], searches: false },
  // 20 × L: the estimate says L, but no cut goes below a tenth of the own rate at once.
  { name: '20 × L, cut 0.05 s in: a tenth of its rate (2 L), not less', rate: 20 * L, clean: 210, overMs: 53, to: [2 * L, 2 * L], searches: false },
  // 1.5 × L: empty 2 s in, 600 answered: the estimate is L itself.
  { name: '1.5 × L, cut 2 s in: just under L', rate: 1.5 * L, clean: 600, overMs: 2000, to: [0.95 * L, 0.98 * L], searches: false },
  // Just above the limit, after a long run: a tenth off, as any cut near the limit.
  { name: '1.05 × L, cut 20 s in: a tenth off its own rate', rate: 1.05 * L, clean: 4200, overMs: 20_000, to: [0.945 * L, 0.946 * L], searches: false },
  // A bucket of 10 tokens at L: the count is a small burst, under 3 % of the rate: search from the floor.
  { name: '5 × L against a burst of 10: a tenth of its rate, then searches upwards', rate: 5 * L, clean: 11, overMs: 12, to: [0.5 * L, 0.5 * L], searches: true },
  // Too few answers to count by: halved, as before.
  { name: 'fewer than 4 clean answers: halved', rate: 10 * L, clean: 3, overMs: 2, to: [5 * L, 5 * L], searches: false },
  // A search (--rate auto, here at its --max-rate) keeps its own rule: it doubled past the limit within the last second.
  { name: '--rate auto searching: halved', rate: 400, clean: 500, overMs: 5000, search: true, to: [200, 200], searches: false },
];

describe('RateControl: the first overload', () => {
  it.each(cases)('$name', ({ rate, clean, overMs, search, to, searches }) => {
    let t = 0;
    const c = new RateControl({ start: rate, max: rate, min: 1 / 60, search: search === true, now: () => t });
    t = 150; // the run's start-up before its first answer: not counted
    for (let i = 0; i < clean; i++) {
      c.ok();
      t += overMs / clean;
    }
    c.cut();
    expect(c.rate).toBeGreaterThanOrEqual(to[0] - 1e-9);
    expect(c.rate).toBeLessThanOrEqual(to[1] + 1e-9);
    expect(c.limited).toBe(true);
    const cut = c.rate;
    // Three seconds of clean answers at the new rate: a search doubles, a hold barely moves.
    const end = t + 3000;
    while (t < end) {
      t += 1000 / c.rate;
      c.ok();
    }
    if (searches) expect(c.rate).toBeGreaterThan(cut * 4);
    else expect(c.rate).toBeLessThan(cut * 1.1);
  });
});
