// The pacer's start-up window on a fake clock: until the first 429, sends wait for answers
// (a few at first, one more per answer), so a late-reading start cannot pour --rate into a limit.
import { describe, expect, it } from 'vitest';
import { Pacer } from '../../src/run/pacer.js';
import { manualClock } from './manual-clock.js';

/** A fake clock with real concurrency: sleepers wake in time order when the test advances it. */

function takers(pacer: Pacer, n: number) {
  const sent: number[] = [];
  const all = Array.from({ length: n }, (_, i) => pacer.take().then(() => sent.push(i)));
  return { sent, all };
}

describe('Pacer start-up window', () => {
  it('sends no more than the window while nothing is answered, however long the rate allows', async () => {
    const clock = manualClock();
    const pacer = new Pacer({ rate: 100, initialWindow: 4, ...clock });
    const { sent } = takers(pacer, 20);
    await clock.advanceTo(5_000); // 500 slots' worth of time, no answer
    expect(sent).toHaveLength(4);
  });

  it('lets two more go for each answer (the one answered, and one more): doubling per round trip', async () => {
    const clock = manualClock();
    const pacer = new Pacer({ rate: 1000, initialWindow: 4, ...clock });
    const { sent } = takers(pacer, 40);
    await clock.advanceTo(100);
    expect(sent).toHaveLength(4);
    for (let i = 0; i < 4; i++) pacer.answered();
    await clock.advanceTo(200);
    expect(sent).toHaveLength(12); // window 8, none of them answered
    for (let i = 0; i < 8; i++) pacer.answered();
    await clock.advanceTo(300);
    expect(sent).toHaveLength(28);
  });

  it('is lifted by the first 429: from then on the rate and its pauses hold sends back', async () => {
    const clock = manualClock();
    const pacer = new Pacer({ rate: 100, initialWindow: 4, ...clock });
    const { sent, all } = takers(pacer, 30);
    await clock.advanceTo(100);
    expect(sent).toHaveLength(4);
    pacer.answered();
    pacer.throttled(1000);
    await clock.advanceTo(1_000);
    expect(sent).toHaveLength(4); // every one waits out the pause
    await clock.advanceTo(10_000);
    await all;
    expect(sent).toHaveLength(30); // 25 more with 3 unanswered: no window any more
  });

  it('a take stopped while waiting for the window gives its room back', async () => {
    const clock = manualClock();
    const pacer = new Pacer({ rate: 100, initialWindow: 1, ...clock });
    await pacer.take();
    const stop = new AbortController();
    const waiting = pacer.take(stop.signal);
    stop.abort(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
    pacer.answered();
    const { sent } = takers(pacer, 3);
    await clock.advanceTo(1_000);
    expect(sent).toHaveLength(2); // window 1 + the answer's growth, nothing held by the stopped take
  });

  it('without initialWindow nothing waits for answers (callers that never report them)', async () => {
    const clock = manualClock();
    const pacer = new Pacer({ rate: 100, ...clock });
    const { all } = takers(pacer, 50);
    await clock.advanceTo(1_000);
    await all;
  });
});
