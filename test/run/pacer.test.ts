import { describe, expect, it } from 'vitest';
import { Pacer } from '../../src/run/pacer.js';
import { fakeClock, manualClock } from './manual-clock.js';


describe('Pacer', () => {
  it('spaces requests evenly at the rate, without a burst at the start', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ rate: 10, ...clock });
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) {
      await pacer.take();
      starts.push(clock.now());
    }
    expect(starts).toEqual([0, 100, 200, 300, 400]);
  });

  it('does not bank slots during an idle spell', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ rate: 10, ...clock });
    await pacer.take();
    await clock.sleep(1000);
    const before = clock.now();
    await pacer.take();
    await pacer.take();
    expect(clock.now() - before).toBe(100);
  });

  it('pauses for Retry-After on a 429, halves the rate, then creeps back while answers flow', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ rate: 10, ...clock });
    await pacer.take();
    pacer.throttled(2000);
    expect(pacer.rate).toBe(5);
    await pacer.take();
    expect(clock.now()).toBeGreaterThanOrEqual(2000);
    let answers = 0;
    while (pacer.rate < 10 && answers < 2000) {
      await pacer.take();
      pacer.ok();
      answers++;
    }
    expect(pacer.rate).toBe(10); // back at --rate, never above it
    expect(answers).toBeGreaterThan(20); // held a while first: the limit was just met
  });

  it('never falls below the minimum rate', () => {
    const pacer = new Pacer({ rate: 16, minRate: 2, ...fakeClock() });
    for (let i = 0; i < 10; i++) {
      pacer.ok(); // a clean answer between 429s: each is a new overload
      pacer.throttled(0);
    }
    expect(pacer.rate).toBe(2);
  });
});

/** A fake clock with real concurrency: sleepers wake in time order when the test advances it. */

describe('Pacer under 429s', () => {
  it('halves once per overload: 429s during the pause, or before anything came back clean, do not cut again', () => {
    const clock = fakeClock();
    const pacer = new Pacer({ rate: 16, ...clock });
    pacer.throttled(1000);
    pacer.throttled(1000);
    pacer.throttled(1000);
    expect(pacer.rate).toBe(8);
    void clock.sleep(1000);
    pacer.throttled(1000); // after the pause, but nothing came back clean: the same overload
    expect(pacer.rate).toBe(8);
    void clock.sleep(1000);
    pacer.ok();
    pacer.throttled(1000); // clean answers, then a 429 again: a new overload
    expect(pacer.rate).toBe(4);
  });

  it('re-spaces slots handed out before a 429 at the new rate, instead of bursting at the old one', async () => {
    const clock = manualClock();
    const pacer = new Pacer({ rate: 10, ...clock });
    const starts: number[] = [];
    const takers = Array.from({ length: 12 }, () => pacer.take().then(() => starts.push(clock.now())));
    await clock.advanceTo(50);
    expect(starts).toEqual([0]);
    pacer.throttled(500); // rate 5/s, nothing before 550 ms
    await clock.advanceTo(10_000);
    await Promise.all(takers);
    const after = starts.slice(1);
    expect(after[0]).toBeGreaterThanOrEqual(550);
    for (let i = 1; i < after.length; i++) expect(after[i]! - after[i - 1]!).toBeGreaterThanOrEqual(199);
  });

  it('can slow far below --rate: a server limit at a twentieth of it is reachable', () => {
    const clock = fakeClock();
    const pacer = new Pacer({ rate: 200, ...clock });
    for (let i = 0; i < 5; i++) {
      pacer.throttled(1000);
      void clock.sleep(1000);
      pacer.ok();
    }
    expect(pacer.rate).toBeLessThan(10);
    for (let i = 0; i < 30; i++) {
      pacer.throttled(1000);
      void clock.sleep(1000);
      pacer.ok();
    }
    expect(pacer.rate).toBeLessThan(2 / 60); // down at the floor of one a minute, give or take the last answer's growth
  });
});

describe('Pacer catching up', () => {
  it('takes slots missed by a short stall, keeping the average rate', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ rate: 500, ...clock });
    await pacer.take(); // slot 0; next at 2 ms
    await clock.sleep(10); // a 10 ms stall: slots at 2, 4, 6, 8, 10 ms were missed
    const before = clock.now();
    for (let i = 0; i < 5; i++) await pacer.take();
    expect(clock.now()).toBe(before); // caught up at once
    await pacer.take(); // then back on the schedule
    expect(clock.now()).toBe(12);
  });
});
