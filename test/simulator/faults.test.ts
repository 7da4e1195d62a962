// Each fault kind's visible effect on a client and on the state (created or not, logged), plus
// scripting (endpoint, count, FIFO) and seeded probabilities.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type FaultKind, type Simulator } from '../../src/simulator/index.js';
import { COMMUNITY, GROUP, community, group, post, raw } from './http.js';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator({ lateAnswerMs: 400, dripIntervalMs: 1 });
});
afterEach(async () => {
  await sim.close();
});

const held = (handle: string) => sim.state.communityByHandle(handle) !== undefined;
const lastFault = () => sim.state.faultLog.at(-1);

describe('faults that create nothing', () => {
  it.each([
    ['500-json', 500, { code: '9999', message: 'XXXX-[unexpected error]', data: {} }],
    ['503-json', 503, { code: '503', message: 'Service Unavailable', data: {} }],
  ] as const)('%s answers %i JSON', async (kind, status, body) => {
    sim.injectNext(kind);
    const r = await post(sim.url, COMMUNITY, community('c'));
    expect([r.status, r.json]).toEqual([status, body]);
    expect(held('c')).toBe(false);
    expect(lastFault()).toMatchObject({ kind, endpoint: 'community', created: false, ref: 'c' });
    expect((await post(sim.url, COMMUNITY, community('c'))).status).toBe(200);
  });

  it('502-html answers an HTML page', async () => {
    sim.injectNext('502-html');
    const r = await raw(sim.url, COMMUNITY, { body: community('c') });
    expect(r.ok && r.status).toBe(502);
    expect(r.ok && r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.ok && r.text).toMatch(/^<html>/);
    expect(held('c')).toBe(false);
  });

  it('429-burst refuses this and the next four requests with Retry-After: 1', async () => {
    sim.injectNext('429-burst');
    for (let i = 0; i < 5; i++) {
      const r = await post(sim.url, i % 2 ? GROUP : COMMUNITY, community(`c${i}`));
      expect(r.status).toBe(429);
      expect(r.headers['retry-after']).toBe('1');
    }
    expect((await post(sim.url, COMMUNITY, community('c9'))).status).toBe(200);
    expect(sim.state.communities.size).toBe(1);
    expect(sim.state.counts.rateLimited).toBe(5);
    expect(sim.state.faultLog.map((f) => f.kind)).toEqual(Array(5).fill('429-burst'));
  });

  it('reset-before drops the connection unread', async () => {
    sim.injectNext('reset-before');
    const r = await raw(sim.url, COMMUNITY, { body: community('c') });
    expect(r).toMatchObject({ ok: false, code: 'ECONNRESET' });
    expect(held('c')).toBe(false);
    expect(lastFault()).toMatchObject({ kind: 'reset-before', created: false, ref: null });
  });

  it('redirect answers 307 to the same path on another host', async () => {
    sim.injectNext('redirect');
    const r = await raw(sim.url, `${COMMUNITY}?x=1`, { body: community('c') });
    expect(r.ok && r.status).toBe(307);
    expect(r.ok && r.headers.location).toBe(`http://127.0.0.2:${new URL(sim.url).port}${COMMUNITY}?x=1`);
    expect(held('c')).toBe(false);
  });
});

describe('faults after creation', () => {
  it('reset-after creates, then drops the connection; the retry meets 5216', async () => {
    sim.injectNext('reset-after');
    const r = await raw(sim.url, COMMUNITY, { body: community('c') });
    expect(r).toMatchObject({ ok: false, code: 'ECONNRESET' });
    expect(held('c')).toBe(true);
    expect(lastFault()).toMatchObject({ kind: 'reset-after', created: true, ref: 'c' });
    const retry = await post(sim.url, COMMUNITY, community('c'));
    expect([retry.status, retry.json.code]).toEqual([500, '5216']);
  });

  it('answer-late creates and answers 200 only after lateAnswerMs', async () => {
    sim.injectNext('answer-late', { count: 2 });
    const timedOut = await raw(sim.url, COMMUNITY, { body: community('a'), timeoutMs: 100 });
    expect(timedOut).toMatchObject({ ok: false, code: 'TIMEOUT' });
    expect(held('a')).toBe(true);
    // Created, yet unanswered when the 100 ms deadline fired (above): the answer came late.
    const late = await raw(sim.url, COMMUNITY, { body: community('b') });
    expect(late.ok && late.status).toBe(200);
    expect(late.ok && JSON.parse(late.text).data.community_id).toBe(sim.state.communityByHandle('b')!.community_id);
  });

  it.each([
    ['garbage-200', (text: string) => expect(text).toBe('<html>oops</html>')],
    ['empty-200', (text: string) => expect(text).toBe('')],
    ['wrong-shape-200', (text: string) => expect(JSON.parse(text)).toEqual({ code: 200, message: 'ok', data: {} })],
    [
      'truncated-200',
      (text: string) => {
        expect(() => JSON.parse(text)).toThrow();
        expect(text.startsWith('{"code":200,')).toBe(true);
      },
    ],
  ] as const)('%s creates and answers a useless 200', async (kind, check) => {
    sim.injectNext(kind);
    const r = await raw(sim.url, COMMUNITY, { body: community('c') });
    expect(r.ok && r.status).toBe(200);
    if (r.ok) check(r.text);
    expect(held('c')).toBe(true);
    expect(lastFault()).toMatchObject({ kind, created: true, ref: 'c' });
  });

  it('huge-200 creates and answers ~20 MB of valid JSON without Content-Length', async () => {
    sim.injectNext('huge-200', { count: 2 });
    const capped = await raw(sim.url, COMMUNITY, { body: community('a'), maxBytes: 1024 * 1024 });
    expect(capped).toMatchObject({ ok: false, code: 'TOO_BIG', status: 200 });
    expect(held('a')).toBe(true);
    const full = await raw(sim.url, COMMUNITY, { body: community('b') });
    expect(full.ok && full.headers['content-length']).toBeUndefined();
    expect(full.ok && full.bytes).toBeGreaterThan(20_000_000);
    const parsed = full.ok ? JSON.parse(full.text) : undefined;
    expect(parsed.data.community_id).toBe(sim.state.communityByHandle('b')!.community_id);
    expect(parsed.data.padding.length).toBeGreaterThan(20_000_000);
  });

  it('slow-drip creates and sends the body one byte per interval', async () => {
    sim.injectNext('slow-drip');
    const r = await raw(sim.url, COMMUNITY, { body: community('c') });
    expect(r.ok && r.status).toBe(200);
    const text = r.ok ? r.text : '';
    expect(JSON.parse(text).data.community_id).toBe(sim.state.communityByHandle('c')!.community_id);

    sim.configure({ dripIntervalMs: 500 });
    sim.injectNext('slow-drip');
    const cut = await raw(sim.url, COMMUNITY, { body: community('d'), timeoutMs: 700 });
    expect(cut.ok).toBe(false);
    expect(!cut.ok && cut.status).toBe(200);
    expect(!cut.ok && cut.text.length).toBeLessThanOrEqual(3);
    expect(held('d')).toBe(true);
  });

  it('applies to groups too, naming the group in the log', async () => {
    const cid = (await post(sim.url, COMMUNITY, community('c'))).json.data.community_id;
    sim.injectNext('reset-after', { endpoint: 'group' });
    const r = await raw(sim.url, GROUP, { body: group(cid, 'G1') });
    expect(r.ok).toBe(false);
    expect(sim.state.groups.size).toBe(1);
    expect(lastFault()).toMatchObject({ kind: 'reset-after', endpoint: 'group', created: true, ref: 'G1' });
  });
});

describe('scripting and probabilities', () => {
  it('honours endpoint and count', async () => {
    const cid = (await post(sim.url, COMMUNITY, community('c'))).json.data.community_id;
    sim.injectNext('503-json', { endpoint: 'group', count: 2 });
    expect((await post(sim.url, COMMUNITY, community('d'))).status).toBe(200);
    expect((await post(sim.url, GROUP, group(cid, 'a'))).status).toBe(503);
    expect((await post(sim.url, GROUP, group(cid, 'a'))).status).toBe(503);
    expect((await post(sim.url, GROUP, group(cid, 'a'))).status).toBe(200);
  });

  it('a scripted post fault waits for a request that creates something', async () => {
    sim.injectNext('garbage-200');
    expect((await post(sim.url, COMMUNITY, { handle: 'bad' })).status).toBe(400);
    expect(sim.state.faultLog).toEqual([]);
    const r = await raw(sim.url, COMMUNITY, { body: community('good') });
    expect(r.ok && r.text).toBe('<html>oops</html>');
  });

  it('rejects unknown kinds and bad counts', () => {
    expect(() => sim.injectNext('nope' as FaultKind)).toThrow(/unknown fault kind/);
    expect(() => sim.injectNext('500-json', { count: 0 })).toThrow(/count/);
  });

  it('rolls faults from the seed: the same seed gives the same pattern', async () => {
    const pattern = async (s: Simulator) => {
      const out: number[] = [];
      for (let i = 0; i < 40; i++) out.push((await post(s.url, COMMUNITY, community(`h${i}`))).status);
      return out;
    };
    sim.configure({ seed: 7, faults: { '500-json': 0.3, '503-json': 0.2 } });
    const a = await pattern(sim);
    const other = await startSimulator({ seed: 7, faults: { '500-json': 0.3, '503-json': 0.2 } });
    try {
      expect(await pattern(other)).toEqual(a);
    } finally {
      await other.close();
    }
    expect(a.filter((s) => s !== 200).length).toBeGreaterThan(8);
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(8);
    expect(sim.state.counts.faults).toBe(a.filter((s) => s !== 200).length);
    expect(sim.state.communities.size).toBe(a.filter((s) => s === 200).length);
  });
});
