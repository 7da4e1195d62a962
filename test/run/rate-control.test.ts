// The rate controller on a fake clock: how clean answers raise the rate, how an overload cuts
// it, where it holds. No sockets, no sleeps: each answer advances the clock by one gap.
import { describe, expect, it } from 'vitest';
import { RateControl, type RateControlOptions } from '../../src/run/rate-control.js';

function control(options: Partial<RateControlOptions>) {
  let t = 0;
  const c = new RateControl({ start: 2, max: 500, min: 1 / 60, search: true, now: () => t, ...options });
  return {
    c,
    advance: (ms: number) => void (t += ms),
    /** Clean answers for `ms`, one per gap at the rate of the moment. */
    flow(ms: number) {
      const end = t + ms;
      while (t < end) {
        t += 1000 / c.rate;
        c.ok();
      }
    },
    get now() {
      return t;
    },
  };
}

describe('RateControl searching (--rate auto, nothing recorded)', () => {
  it('doubles each second of clean answers, from 2/s', () => {
    const k = control({});
    expect(k.c.rate).toBe(2);
    k.flow(1000);
    expect(k.c.rate).toBeGreaterThan(3.5);
    expect(k.c.rate).toBeLessThan(4.5);
    k.flow(4000);
    expect(k.c.rate).toBeGreaterThan(50);
    expect(k.c.rate).toBeLessThan(80);
  });

  it('never passes --max-rate', () => {
    const k = control({ max: 40 });
    k.flow(20_000);
    expect(k.c.rate).toBe(40);
  });

  it('does not grow while the run sends far slower than the rate allows (concurrency, not the pacer, limits it)', () => {
    const k = control({ start: 100 });
    for (let i = 0; i < 100; i++) {
      k.advance(50); // 20 answers a second against a rate of 100
      k.c.ok();
    }
    // Five seconds of clean answers: 3200/s if they counted; a quarter second's worth before
    // the run's pace can be told from the rate's.
    expect(k.c.rate).toBeLessThan(125);
  });

  it('an answer after a quiet spell adds nothing: the spell is not banked as growth', () => {
    const k = control({ start: 10 });
    k.flow(500);
    const before = k.c.rate;
    k.advance(60_000);
    k.c.ok();
    expect(k.c.rate).toBe(before);
  });

  it('reports what it reached as the rate found until the first 429', () => {
    const k = control({});
    k.flow(3000);
    expect(k.c.limited).toBe(false);
    expect(k.c.found).toBe(k.c.rate);
  });
});

describe('RateControl at an overload', () => {
  it('halves at the first one (a search overshoots by about that), then holds', () => {
    const k = control({});
    k.flow(5000);
    const peak = k.c.rate;
    k.c.cut();
    expect(k.c.rate).toBeCloseTo(peak / 2);
    expect(k.c.limited).toBe(true);
    expect(k.c.found).toBeCloseTo(peak / 2);
    k.flow(5000);
    expect(k.c.rate).toBeLessThan((peak / 2) * 1.05); // holds, probing slowly
  });

  it('near the limit: a tenth off its own rate when the server granted about that', () => {
    const k = control({ start: 50, max: 50, search: false });
    k.c.cut(); // the first: halved to 25
    k.flow(10_000); // 25/s granted cleanly
    const before = k.c.rate;
    k.c.cut();
    expect(k.c.rate).toBeCloseTo(before * 0.9, 1);
  });

  it('far too high (a fixed --rate 10 × the limit): straight down to just under what was granted', () => {
    const k = control({ start: 100, max: 100, search: false });
    k.c.cut(); // 50/s
    // The server granted 10 a second for two seconds while the run asked for 50.
    for (let i = 0; i < 20; i++) {
      k.advance(100);
      k.c.ok();
    }
    k.c.cut();
    expect(k.c.rate).toBeCloseTo(10 * 0.97, 1);
  });

  it('far too high and granted under 0.15 of its rate (a small burst after the pause, maybe): searches upwards from what was granted', () => {
    const k = control({ start: 200, max: 200, search: false });
    k.c.cut(); // 100/s
    k.advance(1000); // its Retry-After pause: a bucket of 5 tokens refills and wastes the rest
    for (let i = 0; i < 8; i++) {
      k.advance(10);
      k.c.ok();
    }
    k.c.cut(); // 8 clean answers over 1.08 s: "granted" 7.4/s, 0.07 of 100
    const floor = k.c.rate;
    expect(floor).toBe(10); // a tenth of the own rate at most, at once
    k.flow(3000);
    expect(k.c.rate).toBeGreaterThan(floor * 6); // doubling each second, as a search does
    const peak = k.c.rate;
    k.c.cut(); // the search's overload: halve, climb back to 0.7 of it
    expect(k.c.rate).toBeCloseTo(peak / 2);
    k.flow(2000);
    expect(k.c.rate).toBeGreaterThan(peak * 0.69);
    expect(k.c.rate).toBeLessThan(peak * 0.72); // there, and probing slowly above it
    // Not yet the rate found (recorded for the next run): above a large burst's limit, this
    // level meets its overload within seconds.
    expect(k.c.found).toBeCloseTo(peak / 2);
    k.flow(10_000);
    expect(k.c.found).toBeGreaterThan(peak * 0.69); // held clean for 10 s: found
  });

  it('an overload on the way back up returns to the halving (the search overshot a large burst)', () => {
    const k = control({ start: 200, max: 200, search: false });
    k.c.cut();
    k.advance(1000);
    for (let i = 0; i < 8; i++) {
      k.advance(10);
      k.c.ok();
    }
    k.c.cut(); // straight down, searching again
    k.flow(3000);
    k.c.cut(); // the search's overload
    const halved = k.c.rate;
    k.flow(1000); // climbing back
    expect(k.c.rate).toBeGreaterThan(halved * 1.1);
    k.c.cut();
    expect(k.c.rate).toBeCloseTo(halved);
  });

  it('granted its rate before, then squeezed right after its own pause (another run took the room): a near-limit cut, not straight down', () => {
    const k = control({ start: 100, max: 500, search: false });
    k.c.cut(); // 50/s
    k.flow(4000); // granted 50/s over whole windows
    k.c.cut(); // near the limit: about 45/s
    const before = k.c.rate;
    k.advance(1000); // its Retry-After pause, while the other run sends
    for (let i = 0; i < 5; i++) {
      k.advance(40);
      k.c.ok();
    }
    k.c.cut(); // 5 clean answers over 1.2 s: "granted" 4/s, a tenth of its rate
    expect(k.c.rate).toBeGreaterThanOrEqual(before * 0.8 - 1e-9);
  });

  it('cuts relative to its own rate, so a small run is cut by as small a share as a big one', () => {
    const big = control({ start: 100, max: 100, search: false });
    const small = control({ start: 10, max: 100, search: false });
    for (const k of [big, small]) {
      k.c.cut();
      k.flow(10_000);
    }
    const [b, s] = [big.c.rate, small.c.rate];
    big.c.cut();
    small.c.cut();
    expect(big.c.rate / b).toBeCloseTo(small.c.rate / s, 2);
  });

  it('never goes under --min', () => {
    const k = control({ start: 1, min: 0.5, search: false });
    for (let i = 0; i < 10; i++) k.c.cut();
    expect(k.c.rate).toBe(0.5);
  });
});

describe('RateControl holding and probing', () => {
  it('holds just under the limit, then probes faster the longer answers stay clean', () => {
    const k = control({ start: 20, max: 500, search: false });
    k.c.cut(); // holds at 10
    k.flow(10_000);
    const after10s = k.c.rate;
    expect(after10s).toBeLessThan(10.8);
    k.flow(40_000);
    const after50s = k.c.rate;
    expect(after50s - after10s).toBeGreaterThan(after10s - 10); // faster later
    k.flow(60_000);
    expect(k.c.rate).toBeGreaterThan(20); // a raised limit is found again within two minutes
  });

  it('probes a limit met at the same rate overload after overload ever more gently (fewer 429s)', () => {
    const k = control({ start: 20, max: 500, search: false });
    k.c.cut(); // blind: halved to 10
    const growth: number[] = [];
    for (let i = 0; i < 4; i++) {
      const from = k.c.rate;
      k.flow(15_000);
      growth.push(k.c.rate - from);
      k.c.cut(); // granted about the same each time: the rate found again
    }
    // Each cut granted within 5 % of the one before: half the probing speed each time.
    expect(growth[2]!).toBeLessThan(growth[0]! * 0.6);
    expect(growth[3]!).toBeLessThan(growth[0]! / 3);
  });

  it('from a recorded limit: starts under it, climbs back within seconds, and holds there', () => {
    const k = control({ start: 27, limit: 30, search: false });
    expect(k.c.limited).toBe(true);
    expect(k.c.found).toBe(30);
    k.flow(2000);
    expect(k.c.rate).toBeGreaterThanOrEqual(30);
    k.flow(5000);
    expect(k.c.rate).toBeLessThan(30 * 1.05);
  });
});
