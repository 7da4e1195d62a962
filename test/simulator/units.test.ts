// Unit tests for the simulator's pure pieces: token bucket, PRNG and ids, options, fault decisions,
// and the duplicate detector the chaos tests rely on.
import { describe, expect, it } from 'vitest';
import { FaultInjector } from '../../src/simulator/faults.js';
import { DEFAULT_OPTIONS, SimulatorOptionsError, resolveOptions } from '../../src/simulator/options.js';
import { deriveSeed, mulberry32, uuidV4 } from '../../src/simulator/random.js';
import { State, groupIdentity } from '../../src/simulator/state.js';
import { TokenBucket, retryAfterSeconds } from '../../src/simulator/token-bucket.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('TokenBucket', () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, advance: (ms: number) => void (t += ms) };
  };

  it('allows a burst, then one token per 1/rate seconds', () => {
    const c = clock();
    const b = new TokenBucket(10, 3, c.now);
    expect([b.tryTake(), b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, true, false]);
    expect(b.msUntilToken()).toBeCloseTo(100);
    c.advance(99);
    expect(b.tryTake()).toBe(false);
    c.advance(1);
    expect(b.tryTake()).toBe(true);
  });

  it('burst defaults to rate and never overfills', () => {
    const c = clock();
    const b = new TokenBucket(2, undefined, c.now);
    c.advance(60_000);
    expect([b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, false]);
  });

  it('a rate below 1/s still holds one token (burst at least 1)', () => {
    const c = clock();
    const b = new TokenBucket(1 / 3, undefined, c.now);
    expect([b.tryTake(), b.tryTake()]).toEqual([true, false]);
    expect(b.msUntilToken()).toBeCloseTo(3000);
  });

  it('refused takes cost nothing', () => {
    const c = clock();
    const b = new TokenBucket(1, 1, c.now);
    expect(b.tryTake()).toBe(true);
    for (let i = 0; i < 50; i++) expect(b.tryTake()).toBe(false);
    c.advance(1000);
    expect(b.tryTake()).toBe(true);
  });

  it('rejects nonsense', () => {
    expect(() => new TokenBucket(0)).toThrow(RangeError);
    expect(() => new TokenBucket(5, 0.5)).toThrow(RangeError);
  });

  it('Retry-After is whole seconds, rounded up, at least 1', () => {
    expect([0, 1, 999, 1000, 1001, 2500].map(retryAfterSeconds)).toEqual([1, 1, 1, 1, 2, 3]);
  });
});

describe('random', () => {
  it('is deterministic per seed and streams differ', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const seqA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(seqA);
    expect(Array.from({ length: 5 }, mulberry32(43))).not.toEqual(seqA);
    expect(deriveSeed(1, 0)).not.toBe(deriveSeed(1, 1));
    for (const x of seqA) expect(x >= 0 && x < 1).toBe(true);
  });

  it('makes unique uuid-v4-shaped ids', () => {
    const r = mulberry32(1);
    const ids = Array.from({ length: 10_000 }, () => uuidV4(r));
    for (const id of ids.slice(0, 200)) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('resolveOptions', () => {
  it('fills defaults and applies a partial', () => {
    expect(resolveOptions(undefined)).toBe(DEFAULT_OPTIONS);
    const o = resolveOptions({ rateLimit: { rate: 5 }, latencyMs: { min: 1, max: 2 } });
    expect(o.rateLimit).toEqual({ rate: 5 });
    expect(o.token).toBe('sim-token');
    expect(o.knownCategoryIds).toHaveLength(50);
    expect(o.lateAnswerMs).toBe(60_000);
  });

  it.each([
    [{ nope: 1 }, /unknown option "nope"/],
    [{ rateLimit: { rate: 0 } }, /rate/],
    [{ rateLimit: { rate: 1, burst: 0 } }, /burst/],
    [{ latencyMs: { min: 5, max: 1 } }, /latencyMs/],
    [{ faults: { 'made-up': 0.1 } }, /unknown kind/],
    [{ faults: { '500-json': 0.7, '503-json': 0.7 } }, /more than 1/],
    [{ token: '' }, /token/],
    [{ knownCategoryIds: ['a'] }, /knownCategoryIds/],
  ])('rejects %j', (partial, message) => {
    expect(() => resolveOptions(partial)).toThrow(SimulatorOptionsError);
    expect(() => resolveOptions(partial)).toThrow(message);
  });
});

describe('FaultInjector', () => {
  it('applies scripted faults FIFO per endpoint; post faults wait for a creating request', () => {
    const f = new FaultInjector(1);
    f.script('garbage-200', 1, 'group');
    f.script('503-json', 2);
    // community: the group-only head is skipped, the 503 applies
    expect(f.before('community')).toEqual({ phase: 'pre', kind: '503-json' });
    // group: the head is a post fault; a request that creates nothing leaves it queued
    const d = f.before('group');
    expect(d).toEqual({ phase: 'post', kind: 'scripted' });
    expect(f.after('group', f.before('group'))).toBe('garbage-200');
    expect(f.before('group')).toEqual({ phase: 'pre', kind: '503-json' });
    expect(f.before('group')).toBe(null);
    expect(f.after('group', null)).toBe(null);
  });

  it('a 429-burst refuses the next four requests too', () => {
    const f = new FaultInjector(1);
    f.script('429-burst');
    const kinds = Array.from({ length: 6 }, () => f.before('community')?.kind ?? null);
    expect(kinds).toEqual(['429-burst', '429-burst', '429-burst', '429-burst', '429-burst', null]);
  });

  it('rolls probabilities from its seed', () => {
    const run = (seed: number) => {
      const f = new FaultInjector(seed, { '500-json': 0.3, 'reset-after': 0.2 });
      return Array.from({ length: 200 }, () => f.before('community')?.kind ?? null);
    };
    const a = run(9);
    expect(run(9)).toEqual(a);
    const n500 = a.filter((k) => k === '500-json').length;
    const nReset = a.filter((k) => k === 'reset-after').length;
    expect(n500).toBeGreaterThan(30);
    expect(n500).toBeLessThan(90);
    expect(nReset).toBeGreaterThan(15);
    expect(nReset).toBeLessThan(70);
  });
});

describe('State.duplicates', () => {
  const g = (group_id: string, community_id: string, body: Record<string, unknown>) => ({
    chat_id: group_id,
    group_id,
    community_id,
    body: { type: 4, community_id, ...body },
    created_at: '2026-01-01T00:00:00.000Z',
  });

  it('finds the same group name twice in one community, and only that', () => {
    const s = new State();
    s.addGroup(g('g1', 'c1', { group: { name: 'A' } }));
    s.addGroup(g('g2', 'c1', { group: { name: 'A' } }));
    s.addGroup(g('g3', 'c2', { group: { name: 'A' } }));
    s.addGroup(g('g4', 'c1', { group: { name: 'B' } }));
    s.addGroup(g('g5', 'c1', { chat_id: 'x' }));
    s.addGroup(g('g6', 'c1', { chat_id: 'x' }));
    s.addGroup(g('g7', 'c1', { chat_id: 'y' }));
    expect(s.duplicates()).toEqual([
      { community_id: 'c1', identity: 'name:A', count: 2, group_ids: ['g1', 'g2'] },
      { community_id: 'c1', identity: 'chat_id:x', count: 2, group_ids: ['g5', 'g6'] },
    ]);
  });

  it('identifies a nameless group without a chat_id by its body', () => {
    // community_id is left out because duplicates are counted per community already
    expect(groupIdentity({ type: 4, community_id: 'c' })).toBe('body:{"type":4}');
    expect(groupIdentity({ type: 4, chat_id: 'x', group: { name: 'N' } })).toBe('name:N');
    expect(groupIdentity({ type: 4, chat_id: 'x', group: {} })).toBe('chat_id:x');
    expect(groupIdentity({ type: 4 })).not.toBe(groupIdentity({ type: 5 }));
  });

  it('refuses a second community with the same handle (an invariant, not a duplicate)', () => {
    const s = new State();
    const c = { community_id: 'c1', handle: 'h', body: {}, created_at: '' };
    s.addCommunity(c);
    expect(() => s.addCommunity({ ...c, community_id: 'c2' })).toThrow(/handle/);
  });
});
