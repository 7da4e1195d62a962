// Per-item create request counts: every request that names an item is counted for it, whatever the
// answer (created, refused, 401, 429, faulted); only a body never read (reset-before) is not.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { COMMUNITY, GROUP, community, group, post, raw } from './http.js';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator();
});
afterEach(async () => {
  await sim.close();
});

describe('requestsByItem', () => {
  it('counts communities by handle and groups by the chat_id sent, whatever the answer', async () => {
    const cid = (await post(sim.url, COMMUNITY, community('c'))).json.data.community_id;
    expect((await post(sim.url, COMMUNITY, community('c'))).status).toBe(500); // 5216
    expect((await post(sim.url, COMMUNITY, community('c'), { authorization: 'Bearer wrong' })).status).toBe(401);
    sim.injectNext('503-json');
    expect((await post(sim.url, COMMUNITY, community('c'))).status).toBe(503);
    sim.injectNext('reset-after', { endpoint: 'group' });
    await raw(sim.url, GROUP, { body: group(cid, 'G', { chat_id: 'k1' }) });
    expect((await post(sim.url, GROUP, group(cid, 'G', { chat_id: 'k1' }))).status).toBe(409);
    sim.injectNext('reset-before');
    expect(await raw(sim.url, GROUP, { body: group(cid, 'G', { chat_id: 'k1' }) })).toMatchObject({ ok: false });
    await post(sim.url, GROUP, group(cid, 'Nameless-less'));

    expect(sim.state.requestsFor('community', 'c')).toBe(4);
    expect(sim.state.requestsFor('group', 'k1')).toBe(2);
    expect(sim.state.requestsFor('group', 'nope')).toBe(0);
    const snap = sim.state.snapshot();
    expect(snap.requestsByItem).toEqual({ communities: { c: 4 }, groups: { k1: 2, [`${cid} name:Nameless-less`]: 1 } });
    expect(snap.counts.creates).toBe(8);
  });

  it('counts requests refused by the rate limit', async () => {
    sim.configure({ rateLimit: { rate: 0.001, burst: 1 } });
    expect((await post(sim.url, COMMUNITY, community('a'))).status).toBe(200);
    expect((await post(sim.url, COMMUNITY, community('a'))).status).toBe(429);
    expect((await post(sim.url, COMMUNITY, community('b'))).status).toBe(429);
    expect(sim.state.snapshot().requestsByItem.communities).toEqual({ a: 2, b: 1 });
  });

  it('the snapshot is a copy, and reset empties the counts', async () => {
    await post(sim.url, COMMUNITY, community('a'));
    const snap = sim.state.snapshot();
    await post(sim.url, COMMUNITY, community('a'));
    expect(snap.requestsByItem.communities).toEqual({ a: 1 });
    sim.reset();
    expect(sim.state.snapshot().requestsByItem).toEqual({ communities: {}, groups: {} });
  });
});
