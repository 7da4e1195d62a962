// A send whose ledger line was still becoming durable when a 429 came (issue 22): it waits out
// the pause and leaves at the cut rate, not at the old rate behind the fsync with the others.
import { describe, expect, it } from 'vitest';
import { Pacer } from '../../src/run/pacer.js';
import { fakeClock } from './manual-clock.js';

describe('Pacer.repace', () => {
  it('leaves at once when no 429 came since the slot', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ rate: 100, now: clock.now, sleep: clock.sleep });
    await pacer.take();
    const seen = pacer.overloads;
    clock.advance(30); // the attempt's fsync
    await pacer.repace(seen);
    expect(clock.now()).toBe(30);
  });

  it('after a 429 read during the fsync: waits out the Retry-After pause', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ rate: 100, now: clock.now, sleep: clock.sleep });
    await pacer.take();
    const seen = pacer.overloads;
    clock.advance(10);
    pacer.throttled(1000); // read while this send's line was being made durable
    clock.advance(20);
    await pacer.repace(seen);
    expect(clock.now()).toBeGreaterThanOrEqual(1010);
  });

  it('several sends queued behind one fsync leave spaced at the cut rate, not together', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ rate: 100, now: clock.now, sleep: clock.sleep });
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      await pacer.take();
      seen.push(pacer.overloads);
    }
    pacer.throttled(1000);
    const leaves: number[] = [];
    for (const s of seen) {
      await pacer.repace(s);
      leaves.push(clock.now());
    }
    const gap = 1000 / pacer.rate;
    for (let i = 1; i < leaves.length; i++) expect(leaves[i]! - leaves[i - 1]!).toBeGreaterThanOrEqual(gap - 1e-6);
    expect(leaves[0]).toBeGreaterThanOrEqual(1030);
  });
});
