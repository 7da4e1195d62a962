// The simulator's API behaviour over real HTTP: success bodies, every documented error and its trigger,
// transport rules (auth, 404/405/400/413), latency, rate limiting and many keep-alive requests.
import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { COMMUNITY, GROUP, community, group, post, raw } from './http.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator();
});
afterEach(async () => {
  await sim.close();
});

async function newCommunity(handle: string): Promise<string> {
  const r = await post(sim.url, COMMUNITY, community(handle));
  expect(r.status).toBe(200);
  return r.json.data.community_id as string;
}

describe('community create', () => {
  it('answers the documented success shape and holds the community', async () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await post(sim.url, COMMUNITY, community('genuin-community', { dp: '1.png', categories: { existing: [1, 2], new: ['abc'] } }));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.json).toMatchObject({ code: 200, message: 'XXXX-[Community has been created successfully.]' });
    const d = r.json.data;
    expect(d.community_id).toMatch(UUID_V4);
    expect(d.share_url).toContain('genuin-community');
    expect(d.dp).toMatch(/1\.png$/);
    for (const k of ['banner', 'color_code', 'text_color_code']) expect(typeof d[k]).toBe('string');
    expect(Object.keys(d.leader)).toEqual(
      expect.arrayContaining(['member_id', 'name', 'bio', 'nickname', 'phone', 'is_brand_system_user', 'is_avatar', 'brand', 'profile_image']),
    );
    expect(d.leader.brand).toEqual({ brand_id: expect.any(Number), brand_slug: expect.any(String) });
    const held = sim.state.communityByHandle('genuin-community');
    expect(held?.community_id).toBe(d.community_id);
    expect(held?.body.name).toBe('Name of genuin-community');
    expect(Date.parse(held!.created_at)).not.toBeNaN();
  });

  it.each([
    ['handle missing', { name: 'n', type: 1, actions: [] }],
    ['handle empty', community('')],
    ['name missing', { handle: 'h', type: 1, actions: [] }],
    ['type not an integer', community('h', { type: '1' })],
    ['type fractional', community('h', { type: 1.5 })],
    ['actions missing', { handle: 'h', name: 'n', type: 1 }],
    ['action malformed', community('h', { actions: [{ action_id: 3 }] })],
    ['categories.existing not ints', community('h', { categories: { existing: ['1'] } })],
    ['users malformed', community('h', { users: [{ id: 'x' }] })],
  ])('400 {} when %s', async (_, body) => {
    const r = await post(sim.url, COMMUNITY, body);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({});
    expect(sim.state.communities.size).toBe(0);
  });

  it('404 5220 for an unknown category id, as configured', async () => {
    const r = await post(sim.url, COMMUNITY, community('c1', { categories: { existing: [1, 51] } }));
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ code: '5220', message: 'XXXX-[community categories does not exists.]', data: {} });
    sim.configure({ knownCategoryIds: [51] });
    expect((await post(sim.url, COMMUNITY, community('c1', { categories: { existing: [51] } }))).status).toBe(200);
  });

  it('500 5216 for a duplicate handle; handles are case-sensitive', async () => {
    await newCommunity('dup');
    const r = await post(sim.url, COMMUNITY, community('dup'));
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ code: '5216', message: 'XXXX-[community handle already exists.]', data: {} });
    expect((await post(sim.url, COMMUNITY, community('DUP'))).status).toBe(200);
    expect(sim.state.communities.size).toBe(2);
  });

  it('412 5166 for a handle starting with sim-412-', async () => {
    const r = await post(sim.url, COMMUNITY, community('sim-412-nope'));
    expect(r.status).toBe(412);
    expect(r.json).toEqual({ code: '5166', message: 'XXXX-[Invalid Use of API]', data: {} });
  });
});

describe('group create', () => {
  it('answers the documented success shape with a new chat_id, or the one sent', async () => {
    const cid = await newCommunity('tech_community');
    const r = await post(sim.url, GROUP, group(cid, 'Tech Conversations', { settings: { discoverable: false } }));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ code: 200, message: 'Group has been created successfully.' });
    const d = r.json.data;
    expect(d.chat_id).toMatch(UUID_V4);
    expect(d.type).toBe(4);
    expect(d.settings).toEqual({ discoverable: false });
    expect(typeof d.share_url).toBe('string');
    expect(d.is_welcome_loop).toBe(false);
    expect(d.group.group_id).toMatch(UUID_V4);
    expect(d.group.group_name).toBe('Tech Conversations');
    expect(d.group.members[0]).toMatchObject({ member_id: expect.any(String), role: 1 });
    expect(d.group.no_of_members).toBe(d.group.members.length);
    expect(typeof d.latest_message_at).toBe('string');
    expect(d.community).toMatchObject({ community_id: cid, handle: 'tech_community' });
    expect(sim.state.groups.get(d.group.group_id)).toMatchObject({ chat_id: d.chat_id, community_id: cid });

    const chat_id = '456e7890-b12c-4c23-89ef-126314214567';
    const r2 = await post(sim.url, GROUP, group(cid, 'Other', { chat_id }));
    expect(r2.json.data.chat_id).toBe(chat_id);
    expect(r2.json.data.group.group_id).not.toBe(chat_id);
  });

  it.each([
    ['type missing', (cid: string) => ({ community_id: cid })],
    ['community_id missing', () => ({ type: 4 })],
    ['community_id not a string', () => ({ type: 4, community_id: 5 })],
    ['community_id unknown', () => group('0a2be302-04af-4642-a436-1612554e48a6', 'G')],
    ['group not an object', (cid: string) => ({ type: 4, community_id: cid, group: 'G' })],
  ])('400 {} when %s', async (_, make) => {
    const cid = await newCommunity('c');
    const r = await post(sim.url, GROUP, make(cid));
    expect(r.status).toBe(400);
    expect(r.json).toEqual({});
    expect(sim.state.groups.size).toBe(0);
  });

  it('500 5026 when recorded_video.video_name starts with missing-', async () => {
    const cid = await newCommunity('c');
    const r = await post(sim.url, GROUP, group(cid, 'G', { recorded_video: { video_name: 'missing-abc.mp4' } }));
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ code: '5026', message: 'Could not find the video.', data: {} });
    expect(sim.state.groups.size).toBe(0);
  });

  it('412 5166 when group.name starts with sim-412-', async () => {
    const cid = await newCommunity('c');
    const r = await post(sim.url, GROUP, group(cid, 'sim-412-g'));
    expect(r.status).toBe(412);
    expect(r.json).toEqual({ code: '5166', message: 'XXXX-[Invalid Use of API]', data: {} });
  });
});

describe('transport rules', () => {
  it('401 without or with a wrong token; the token is configurable', async () => {
    const unauthorized = { code: '401', message: 'Unauthorized', data: {} };
    for (const authorization of ['', 'Bearer nope', 'Basic sim-token', 'sim-token']) {
      const r = await post(sim.url, COMMUNITY, community('x'), { authorization });
      expect(r.status).toBe(401);
      expect(r.json).toEqual(unauthorized);
    }
    expect((await post(sim.url, COMMUNITY, community('x'), { authorization: 'bearer sim-token' })).status).toBe(200);
    sim.configure({ token: 'other' });
    expect(sim.token).toBe('other');
    expect((await post(sim.url, COMMUNITY, community('y'))).status).toBe(401);
    expect((await post(sim.url, COMMUNITY, community('y'), { authorization: 'Bearer other' })).status).toBe(200);
  });

  it('404 JSON elsewhere, 405 for other methods', async () => {
    const r = await raw(sim.url, '/api/thirdparty/community/delete', { body: {} });
    expect(r.ok && r.status).toBe(404);
    expect(r.ok && JSON.parse(r.text)).toEqual({ code: '404', message: 'Not Found', data: {} });
    const g = await raw(sim.url, COMMUNITY, { method: 'GET' });
    expect(g.ok && g.status).toBe(405);
    expect(g.ok && g.headers.allow).toBe('POST');
  });

  it('400 {} unless the body is a JSON object sent as application/json', async () => {
    const cases: Array<[string | Buffer, Record<string, string>]> = [
      ['{"handle":"x"', {}],
      ['[1,2]', {}],
      ['null', {}],
      ['', {}],
      [JSON.stringify(community('x')), { 'content-type': 'text/plain' }],
    ];
    for (const [body, headers] of cases) {
      const r = await raw(sim.url, COMMUNITY, { body, headers });
      expect(r.ok && [r.status, r.text]).toEqual([400, '{}']);
    }
    const charset = await raw(sim.url, COMMUNITY, { body: community('x'), headers: { 'content-type': 'Application/JSON; charset=utf-8' } });
    expect(charset.ok && charset.status).toBe(200);
  });

  it('413 beyond 1 MiB, and the connection stays usable for the answer', async () => {
    const big = JSON.stringify(community('big', { description: 'x'.repeat(1024 * 1024) }));
    const r = await raw(sim.url, COMMUNITY, { body: big });
    expect(r.ok && r.status).toBe(413);
    expect(sim.state.communities.size).toBe(0);
    // refused before processing: still answered, whatever the body's size
    const denied = await raw(sim.url, COMMUNITY, { body: big, headers: { authorization: 'Bearer nope' } });
    expect(denied.ok && denied.status).toBe(401);
  });

  it('applies latency before answering', async () => {
    // Client and simulator share this event loop: a client deadline set before the request fires
    // before a latency timer set after it, however busy the machine (no clock is read here).
    sim.configure({ latencyMs: 120 });
    expect(await raw(sim.url, COMMUNITY, { body: community('early'), timeoutMs: 100 })).toMatchObject({ ok: false, code: 'TIMEOUT' });
    expect((await post(sim.url, COMMUNITY, community('slow'))).status).toBe(200);
    sim.configure({ latencyMs: { min: 40, max: 60 } });
    expect(await raw(sim.url, COMMUNITY, { body: community('early2'), timeoutMs: 35 })).toMatchObject({ ok: false, code: 'TIMEOUT' });
    expect((await post(sim.url, COMMUNITY, community('slow2'))).status).toBe(200);
  });
});

describe('rate limit', () => {
  it('429 with Retry-After when the bucket is empty, then recovers; refusals cost no token', async () => {
    // A token every 2 s: the five refusals below need not come within a tight window, so a busy
    // machine cannot refill the bucket between them (at 10/s, 100 ms of delay did).
    sim.configure({ rateLimit: { rate: 0.5, burst: 2 } });
    const statuses = [];
    for (let i = 0; i < 2; i++) statuses.push((await post(sim.url, COMMUNITY, community(`ok-${i}`))).status);
    expect(statuses).toEqual([200, 200]);
    for (let i = 0; i < 5; i++) {
      const r = await post(sim.url, COMMUNITY, community(`limited-${i}`));
      expect(r.status).toBe(429);
      expect(r.headers['retry-after']).toMatch(/^[12]$/);
      expect(r.json).toEqual({ code: '429', message: 'Too Many Requests', data: {} });
    }
    // Five refusals did not dig a hole: one token period later a request passes.
    await new Promise((r) => setTimeout(r, 2_100));
    expect((await post(sim.url, COMMUNITY, community('after'))).status).toBe(200);
    expect(sim.state.counts.rateLimited).toBe(5);
    expect(sim.state.counts.byStatus).toMatchObject({ '200': 3, '429': 5 });
    expect(sim.state.communities.size).toBe(3);
  });

  it('Retry-After rounds up to whole seconds', async () => {
    sim.configure({ rateLimit: { rate: 0.4, burst: 1 } });
    await post(sim.url, COMMUNITY, community('a'));
    const r = await post(sim.url, COMMUNITY, community('b'));
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('3');
    sim.configure({ rateLimit: null });
    expect((await post(sim.url, COMMUNITY, community('b'))).status).toBe(200);
  });

  it('serves many requests over a few keep-alive sockets, every one answered', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const body = JSON.stringify(community('x'));
    const one = () =>
      new Promise<number>((resolve, reject) => {
        const req = http.request(
          `${sim.url}${COMMUNITY}`,
          { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: 'Bearer sim-token' } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const n = 1000;
    let next = 0;
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next++ < n) statuses.push(await one());
      }),
    );
    agent.destroy();
    // 1 created, the rest are 5216 duplicates: the full pipeline runs for each. No speed assertion: on a
    // shared machine wall-clock rates only make a test flaky.
    expect(statuses.filter((s) => s === 500)).toHaveLength(n - 1);
    expect(sim.state.requestsFor('community', 'x')).toBe(n);
  });
});
