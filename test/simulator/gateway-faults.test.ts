// Gateway faults: an error status although the item was created (502/504 pages, a 500 in HTML or the
// API's JSON), through every way of asking for one; and reset-before dropping the connection unread.
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAULTS, startSimulator, type FaultKind, type Simulator } from '../../src/simulator/index.js';
import { COMMUNITY, GROUP, community, group, post, raw } from './http.js';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator();
});
afterEach(async () => {
  await sim.close();
});

const GATEWAY: Array<[FaultKind, number, RegExp]> = [
  ['502-after', 502, /^<html>[\s\S]*502 Bad Gateway/],
  ['504-after', 504, /^<html>[\s\S]*504 Gateway Time-out/],
  ['500-html-after', 500, /^<html>[\s\S]*500 Internal Server Error/],
];

describe('error status after the create', () => {
  it.each(GATEWAY)('%s: created, then %i with an HTML page', async (kind, status, page) => {
    expect(FAULTS[kind]).toEqual({ phase: 'post', creates: true });
    sim.injectNext(kind);
    const r = await raw(sim.url, COMMUNITY, { body: community('c') });
    expect(r.ok && r.status).toBe(status);
    expect(r.ok && r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.ok && r.text).toMatch(page);
    expect(sim.state.communityByHandle('c')).toBeDefined();
    expect(sim.state.faultLog.at(-1)).toMatchObject({ kind, endpoint: 'community', created: true, ref: 'c' });
    // the resend meets the handle it created
    expect((await post(sim.url, COMMUNITY, community('c'))).json.code).toBe('5216');
  });

  it("500-json-after: created, then the API's own 500 9999 JSON", async () => {
    const cid = (await post(sim.url, COMMUNITY, community('c'))).json.data.community_id;
    sim.injectNext('500-json-after', { endpoint: 'group' });
    const chat_id = '11111111-2222-4333-8444-555555555555';
    const r = await post(sim.url, GROUP, group(cid, 'G', { chat_id }));
    expect([r.status, r.json]).toEqual([500, { code: '9999', message: 'XXXX-[unexpected error]', data: {} }]);
    expect(sim.state.groupByChatId(chat_id)?.community_id).toBe(cid);
    expect(sim.state.faultLog).toEqual([{ kind: '500-json-after', endpoint: 'group', created: true, ref: 'G', at: expect.any(String) }]);
    // resent with the same chat_id: the server says it holds it
    expect((await post(sim.url, GROUP, group(cid, 'G', { chat_id }))).status).toBe(409);
    expect(sim.state.groups.size).toBe(1);
  });

  it('scripted by endpoint and count, waiting for a request that creates', async () => {
    const cid = (await post(sim.url, COMMUNITY, community('c'))).json.data.community_id;
    sim.injectNext('502-after', { endpoint: 'group', count: 2 });
    expect((await post(sim.url, COMMUNITY, community('d'))).status).toBe(200);
    expect((await post(sim.url, GROUP, group('nope', 'G'))).status).toBe(400);
    const statuses: Array<number | false> = [];
    for (const name of ['a', 'b', 'c']) {
      const r = await raw(sim.url, GROUP, { body: group(cid, name) });
      statuses.push(r.ok && r.status);
    }
    expect(statuses).toEqual([502, 502, 200]);
    expect(sim.state.faultLog.map((f) => [f.kind, f.ref])).toEqual([
      ['502-after', 'a'],
      ['502-after', 'b'],
    ]);
    expect(sim.state.groups.size).toBe(3);
    expect(sim.state.counts.byStatus['502']).toBe(2);
  });

  it('scripted over POST /__sim/inject, and rolled from probabilities', async () => {
    const inject = await fetch(`${sim.url}/__sim/inject`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: '504-after', endpoint: 'community' }),
    });
    expect(inject.status).toBe(200);
    const x = await raw(sim.url, COMMUNITY, { body: community('x') });
    expect(x.ok && x.status).toBe(504);
    expect(sim.state.communityByHandle('x')).toBeDefined();

    sim.configure({ seed: 3, faults: { '502-after': 0.25, '504-after': 0.25, '500-html-after': 0.25, '500-json-after': 0.25 } });
    const seen = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const r = await raw(sim.url, COMMUNITY, { body: community(`h${i}`) });
      if (r.ok) seen.add(r.status);
    }
    expect([...seen].sort()).toEqual([500, 502, 504]);
    // every one of them created its community
    expect(sim.state.communities.size).toBe(41);
    expect(sim.state.faultLog.every((f) => f.created)).toBe(true);
  });
});

describe('reset-before', () => {
  it('resets as soon as the headers are in, without waiting for the body', async () => {
    sim.injectNext('reset-before');
    const socket = net.connect(Number(new URL(sim.url).port), '127.0.0.1');
    const ended = new Promise<string>((resolve) => {
      socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      socket.on('close', () => resolve('closed'));
    });
    socket.on('data', () => {}); // an answer would show up as bytes, then a FIN
    await new Promise((r) => socket.once('connect', r));
    // Headers announce a body that is never sent: a server that reads the body would wait forever.
    socket.write(
      `POST ${COMMUNITY} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sim-token\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`,
    );
    expect(await ended).toBe('ECONNRESET');
    expect(sim.state.faultLog).toEqual([{ kind: 'reset-before', endpoint: 'community', created: false, ref: null, at: expect.any(String) }]);
    expect(sim.state.communities.size).toBe(0);
  });
});
