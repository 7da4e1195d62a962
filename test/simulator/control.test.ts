// The /__sim/ control endpoints another process uses to inspect and steer a simulator, and close()
// returning promptly whatever connections are open.
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type StateSnapshot } from '../../src/simulator/index.js';
import { COMMUNITY, GROUP, community, group, post, raw } from './http.js';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator();
});
afterEach(async () => {
  await sim.close();
});

const control = async (method: string, path: string, body?: unknown) => {
  // No Authorization header: the control endpoints need none.
  const r = await fetch(`${sim.url}/__sim/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as any };
};

describe('/__sim/ control endpoints', () => {
  it('GET state returns what the server holds, counters and duplicates', async () => {
    const cid = (await post(sim.url, COMMUNITY, community('c'))).json.data.community_id;
    await post(sim.url, COMMUNITY, community('c'));
    await post(sim.url, GROUP, group(cid, 'G'));
    await post(sim.url, GROUP, group(cid, 'G'));
    sim.injectNext('500-json');
    await post(sim.url, GROUP, group(cid, 'H'));
    await raw(sim.url, '/nowhere', { method: 'GET' });

    const { status, json } = await control('GET', 'state');
    const snap = json as StateSnapshot;
    expect(status).toBe(200);
    expect(snap.communities).toEqual([
      { community_id: cid, handle: 'c', body: community('c'), created_at: expect.any(String) },
    ]);
    expect(snap.groups).toHaveLength(2);
    expect(snap.groups[0]).toEqual({
      chat_id: expect.any(String),
      group_id: expect.any(String),
      community_id: cid,
      body: group(cid, 'G'),
      created_at: expect.any(String),
    });
    expect(snap.counts).toEqual({ requests: 6, byStatus: { '200': 3, '500': 2, '404': 1 }, rateLimited: 0, faults: 1, creates: 5, auth: 0, tokensIssued: 0 });
    expect(snap.requestsByItem).toEqual({ communities: { c: 2 }, groups: { [`${cid} name:G`]: 2, [`${cid} name:H`]: 1 } });
    expect(snap.faultLog).toEqual([{ kind: '500-json', endpoint: 'group', created: false, ref: 'H', at: expect.any(String) }]);
    expect(snap.duplicates).toEqual([
      { community_id: cid, identity: 'name:G', count: 2, group_ids: snap.groups.map((g) => g.group_id) },
    ]);
    expect(sim.state.duplicates()).toEqual(snap.duplicates);
  });

  it('POST reset empties the state, so a handle can be created again', async () => {
    await post(sim.url, COMMUNITY, community('c'));
    sim.injectNext('503-json');
    expect(await control('POST', 'reset')).toEqual({ status: 200, json: { ok: true } });
    const { json } = await control('GET', 'state');
    expect(json).toEqual({
      communities: [],
      groups: [],
      counts: { requests: 0, byStatus: {}, rateLimited: 0, faults: 0, creates: 0, auth: 0, tokensIssued: 0 },
      faultLog: [],
      duplicates: [],
      requestsByItem: { communities: {}, groups: {} },
    });
    // the scripted 503 went with the reset
    expect((await post(sim.url, COMMUNITY, community('c'))).status).toBe(200);
  });

  it('POST config changes options at runtime and refuses bad ones', async () => {
    const ok = await control('POST', 'config', { rateLimit: { rate: 1, burst: 1 }, latencyMs: 0 });
    expect(ok.status).toBe(200);
    expect(ok.json.options.rateLimit).toEqual({ rate: 1, burst: 1 });
    expect((await post(sim.url, COMMUNITY, community('a'))).status).toBe(200);
    expect((await post(sim.url, COMMUNITY, community('b'))).status).toBe(429);

    for (const bad of [{ rateLimit: { rate: -1 } }, { typo: 1 }, { faults: { nope: 1 } }, { port: 1 }]) {
      const r = await control('POST', 'config', bad);
      expect(r.status).toBe(400);
      expect(typeof r.json.error).toBe('string');
    }
    expect((await control('GET', 'config')).json.rateLimit).toEqual({ rate: 1, burst: 1 });
  });

  it('POST inject scripts a fault from another process', async () => {
    expect((await control('POST', 'inject', { kind: '503-json', endpoint: 'community', count: 1 })).status).toBe(200);
    expect((await post(sim.url, COMMUNITY, community('a'))).status).toBe(503);
    expect((await control('POST', 'inject', { kind: 'nope' })).status).toBe(400);
    expect((await control('POST', 'inject', { kind: '503-json', endpoint: 'users' })).status).toBe(400);
  });

  it('404 for an unknown control path; control traffic is not counted', async () => {
    expect((await control('GET', 'nothing')).status).toBe(404);
    expect(sim.state.counts.requests).toBe(0);
  });
});

describe('close()', () => {
  it('returns promptly with hanging, idle keep-alive and late-answer connections open', async () => {
    sim.configure({ lateAnswerMs: 60_000 });
    // an idle keep-alive connection (fetch pools it)
    await fetch(`${sim.url}/__sim/state`).then((r) => r.text());
    // half a request: headers never finished
    const hanging = net.connect(Number(new URL(sim.url).port), '127.0.0.1');
    await new Promise((r) => hanging.once('connect', r));
    hanging.write('POST /api/thirdparty/community/create HTTP/1.1\r\nHost: x\r\n');
    const hangingClosed = new Promise((r) => hanging.once('close', r));
    hanging.on('error', () => {});
    // a request the server holds for a minute
    sim.injectNext('answer-late');
    // No client deadline within the test's: the request ends only when the server drops it.
    const late = raw(sim.url, COMMUNITY, { body: community('late'), timeoutMs: 120_000 });
    await expect.poll(() => sim.state.faultLog.length).toBe(1);

    // close() waiting for the answer held 60 s would hit the test's timeout; it drops them instead.
    await sim.close();
    await hangingClosed;
    const dropped = await late;
    expect(dropped.ok).toBe(false);
    expect(!dropped.ok && dropped.code).not.toBe('TIMEOUT');
    await sim.close(); // idempotent
  });
});
