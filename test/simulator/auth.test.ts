// The Authentication API: its documented errors, tokens in the gn-access-token header that the create
// endpoints accept, and tokenTtlRequests / expire-tokens so that a client's refresh can be tested end to end.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { COMMUNITY, community, post, raw } from './http.js';

const AUTH_PATH = '/api/thirdparty/auth';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator({ apiKey: 'key-1', apiSecret: 'secret-1' });
});
afterEach(async () => {
  await sim.close();
});

async function login(body: unknown = { api_key: 'key-1', api_secret: 'secret-1' }) {
  const r = await raw(sim.url, AUTH_PATH, { body, headers: { authorization: '' } });
  if (!r.ok) throw new Error(r.code);
  return { status: r.status, token: r.headers['gn-access-token'] as string | undefined, json: JSON.parse(r.text) };
}

const create = (handle: string, token: string) => post(sim.url, COMMUNITY, community(handle), { authorization: `Bearer ${token}` });

describe('POST /api/thirdparty/auth', () => {
  it('answers 200 with a fresh token in the gn-access-token header, accepted by the create endpoints', async () => {
    const a = await login();
    expect(a.status).toBe(200);
    expect(a.token).toMatch(/^gn-sim-[A-Za-z0-9_-]{32}$/);
    expect(JSON.stringify(a.json)).not.toContain(a.token!);
    const b = await login();
    expect(b.token).not.toBe(a.token);
    expect((await create('c1', a.token!)).status).toBe(200);
    expect((await create('c2', b.token!)).status).toBe(200);
    // the static token still works, and a made-up one does not
    expect((await create('c3', 'sim-token')).status).toBe(200);
    expect((await create('c4', 'gn-sim-made-up')).status).toBe(401);
    expect(sim.state.counts).toMatchObject({ auth: 2, tokensIssued: 2, creates: 4 });
  });

  it.each([
    ['not JSON', '{nope', 400, '1099'],
    ['an array', [], 400, '1099'],
    ['api_key not a string', { api_key: 5, api_secret: 'secret-1' }, 400, '1099'],
    ['api_key missing', { api_secret: 'secret-1' }, 404, '5235'],
    ['api_secret missing', { api_key: 'key-1' }, 404, '5235'],
    ['an unknown key', { api_key: 'key-2', api_secret: 'secret-1' }, 404, '5235'],
    ['a wrong secret', { api_key: 'key-1', api_secret: 'secret-2' }, 404, '5235'],
    ['a key starting sim-412-', { api_key: 'sim-412-x', api_secret: 'whatever' }, 412, '5166'],
  ])('%s: %i %s, no token', async (_, body, status, code) => {
    const r = await login(body);
    expect(r.status).toBe(status);
    expect(r.json).toEqual({ code, message: expect.any(String), data: {} });
    expect(r.token).toBeUndefined();
    expect(sim.state.counts.tokensIssued).toBe(0);
  });

  it('names the documented messages', async () => {
    expect((await login({})).json.message).toBe('Brand not exists.');
    expect((await login('x')).json.message).toBe('An unexpected error occurred processing the request');
  });

  it('refuses other methods (405) and needs no bearer token', async () => {
    const get = await raw(sim.url, AUTH_PATH, { method: 'GET', headers: { authorization: '' } });
    expect(get.ok && get.status).toBe(405);
    expect(sim.state.counts).toMatchObject({ auth: 1, requests: 1, creates: 0 });
  });

  it('is neither rate limited nor faulted', async () => {
    sim.configure({ rateLimit: { rate: 0.001, burst: 1 } });
    sim.injectNext('503-json');
    expect((await login()).status).toBe(200);
    expect((await login()).status).toBe(200);
    expect(sim.state.faultLog).toEqual([]);
  });
});

describe('token expiry', () => {
  it('tokenTtlRequests: an issued token authorizes N create requests, then 401 for good; a new one works', async () => {
    sim.configure({ tokenTtlRequests: 2 });
    const { token } = await login();
    expect((await create('a', token!)).status).toBe(200);
    // a refused create still uses the token
    expect((await create('a', token!)).json.code).toBe('5216');
    const expired = await create('b', token!);
    expect([expired.status, expired.json.code]).toEqual([401, '401']);
    expect(sim.state.communityByHandle('b')).toBeUndefined();
    // the refresh: a new token, and the refused request resent with it
    const fresh = await login();
    expect((await create('b', fresh.token!)).status).toBe(200);
    // expired for good, even if the limit is lifted
    sim.configure({ tokenTtlRequests: null });
    expect((await create('c', token!)).status).toBe(401);
    // the static token never expires
    sim.configure({ tokenTtlRequests: 0 });
    expect((await create('c', 'sim-token')).status).toBe(200);
    expect(sim.state.counts.byStatus['401']).toBe(2);
  });

  it('POST /__sim/expire-tokens expires every issued token at once', async () => {
    const a = await login();
    const b = await login();
    expect((await create('a', a.token!)).status).toBe(200);
    const r = await fetch(`${sim.url}/__sim/expire-tokens`, { method: 'POST' });
    expect(r.status).toBe(200);
    expect((await create('b', a.token!)).status).toBe(401);
    expect((await create('b', b.token!)).status).toBe(401);
    expect((await create('b', (await login()).token!)).status).toBe(200);
  });

  it('rejects a bad tokenTtlRequests and empty credentials as options', () => {
    expect(() => sim.configure({ tokenTtlRequests: -1 })).toThrow(/tokenTtlRequests/);
    expect(() => sim.configure({ tokenTtlRequests: 1.5 })).toThrow(/tokenTtlRequests/);
    expect(() => sim.configure({ apiKey: '' })).toThrow(/apiKey/);
    expect(() => sim.configure({ apiSecret: 7 as unknown as string })).toThrow(/apiSecret/);
  });

  it('GET /__sim/config never shows the secret or the static token', async () => {
    const shown = await (await fetch(`${sim.url}/__sim/config`)).json();
    expect(shown).toMatchObject({ apiKey: 'key-1', apiSecret: '(hidden)', token: '(hidden)', tokenTtlRequests: null });
    expect(JSON.stringify(shown)).not.toContain('secret-1');
  });

  it('defaults to sim-key / sim-secret', async () => {
    const other = await startSimulator();
    try {
      const r = await raw(other.url, AUTH_PATH, { body: { api_key: 'sim-key', api_secret: 'sim-secret' } });
      expect(r.ok && r.status).toBe(200);
      expect(r.ok && r.headers['gn-access-token']).toBeTruthy();
    } finally {
      await other.close();
    }
  });
});
