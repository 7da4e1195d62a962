import { describe, expect, it } from 'vitest';
import { Pacer } from '../../src/run/pacer.js';

/** A fake clock: sleeping advances time, so pacing is checked exactly and instantly. */
function fakeClock() {
  let t = 0;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
  };
}

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

  it('pauses for Retry-After on a 429, halves the rate, then creeps back', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ rate: 10, recoverAfter: 2, ...clock });
    await pacer.take();
    pacer.throttled(2000);
    expect(pacer.rate).toBe(5);
    await pacer.take();
    expect(clock.now()).toBeGreaterThanOrEqual(2000);
    for (let i = 0; i < 20; i++) pacer.ok();
    expect(pacer.rate).toBe(10);
  });

  it('never falls below the minimum rate', () => {
    const pacer = new Pacer({ rate: 16, minRate: 2, ...fakeClock() });
    for (let i = 0; i < 10; i++) pacer.throttled(0);
    expect(pacer.rate).toBe(2);
  });
});
