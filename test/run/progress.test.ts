// The progress model: totals from the plan, settling on final outcomes only, a rate over the
// last seconds and an ETA from it. A fake clock drives it.
import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/api/outcome.js';
import type { SettledEvent } from '../../src/run/executor.js';
import type { PlanItem } from '../../src/plan/plan.js';
import { ProgressModel } from '../../src/run/progress.js';

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}
const item = (kind: 'community' | 'group', key: string): PlanItem => ({ kind, key, file: 'm.yaml', line: 1, action: 'create' });
const event = (i: PlanItem, outcome: Outcome, attempts = 1, gaveUp = false): SettledEvent => ({ item: i, outcome, attempts, gaveUp });
const created: Outcome = { type: 'created', ids: { community_id: 'x' } };
const gaveUp: Outcome = { type: 'failed', status: 503, message: 'HTTP 503 (gave up after 3 attempts)' };

describe('ProgressModel', () => {
  it('counts settled items per kind', () => {
    const c = clock();
    const m = new ProgressModel({ community: 3, group: 2 }, { now: c.now });
    m.settled(event(item('community', 'a'), created));
    m.settled(event(item('community', 'b'), { type: 'failed', status: 404, code: '5220', message: 'no' }, 3));
    m.settled(event(item('community', 'c'), { type: 'exists', status: 500, code: '5216', message: 'taken' }));
    m.settled(event(item('group', 'c/g'), { type: 'in_doubt', message: 'ETIMEDOUT' }));
    m.blocked(item('group', 'c/h'));
    const [communities, groups] = m.snapshot().kinds;
    expect(communities).toMatchObject({ kind: 'community', total: 3, done: 3, created: 1, failed: 1, exists: 1 });
    expect(groups).toMatchObject({ kind: 'group', total: 2, done: 2, in_doubt: 1, blocked: 1 });
  });

  it('a give-up (retries used up) settles as failed', () => {
    const m = new ProgressModel({ community: 1, group: 0 }, { now: clock().now });
    expect(m.snapshot().kinds[0]).toMatchObject({ done: 0, failed: 0 });
    m.settled(event(item('community', 'a'), gaveUp, 3, true));
    expect(m.snapshot().kinds[0]).toMatchObject({ done: 1, failed: 1 });
  });

  it('rate follows the last seconds; ETA is what is left at that rate; kinds with nothing to do are left out', () => {
    const c = clock();
    const m = new ProgressModel({ community: 100, group: 0 }, { windowSeconds: 10, now: c.now });
    expect(m.snapshot().kinds[0]).toMatchObject({ rate: 0, etaMs: undefined });
    // 2 per second for 20 s, then 10 per second for 5 s.
    let n = 0;
    for (let s = 0; s < 20; s++) for (let k = 0; k < 2; k++, n++) (c.advance(500), m.settled(event(item('community', `c${n}`), created)));
    for (let s = 0; s < 5; s++) for (let k = 0; k < 10; k++, n++) (c.advance(100), m.settled(event(item('community', `c${n}`), created)));
    const figures = m.snapshot();
    expect(figures.kinds).toHaveLength(1);
    const k = figures.kinds[0]!;
    expect(k.done).toBe(90);
    // Over the last 10 s: 5 s at 2/s and 5 s at 10/s ≈ 6/s.
    expect(k.rate).toBeGreaterThan(5);
    expect(k.rate).toBeLessThan(7);
    expect(k.etaMs! / 1000).toBeCloseTo(10 / k.rate, 5);
    m.stopping('max-duration');
    expect(m.snapshot().stopping).toBe('max-duration');
  });
});
