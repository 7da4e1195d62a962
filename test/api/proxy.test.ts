// Proxies and TLS at the client: which proxy the environment names (curl's rules), that requests
// tunnel through a real CONNECT proxy on loopback with the token inside the tunnel only, that the
// socket limit holds through it, and what a refused tunnel or an untrusted certificate comes back as.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GenuinClient } from '../../src/api/client.js';
import { bypassesProxy, proxyDisplay, proxyFor } from '../../src/api/proxy.js';
import { ConfigError } from '../../src/errors.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startConnectProxy, startTlsFront, type ConnectProxy } from './net-fixtures.js';

const TOKEN = 'proxy-test-token-8c2e41';
const body = (handle: string) => JSON.stringify({ handle, name: handle, type: 1, actions: [] });

describe('proxyFor: the variables as curl reads them', () => {
  const API = 'https://api.begenuin.com';
  it.each([
    [{}, undefined],
    [{ HTTPS_PROXY: 'http://proxy.corp:3128' }, 'http://proxy.corp:3128 (HTTPS_PROXY)'],
    [{ https_proxy: 'http://proxy.corp:3128' }, 'http://proxy.corp:3128 (https_proxy)'],
    [{ https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' }, 'http://lower:1 (https_proxy)'],
    [{ https_proxy: ' ', HTTPS_PROXY: 'http://upper:2' }, 'http://upper:2 (HTTPS_PROXY)'],
    // HTTP_PROXY is for http:// URLs only.
    [{ HTTP_PROXY: 'http://proxy.corp:3128' }, undefined],
    [{ HTTPS_PROXY: 'proxy.corp:3128' }, 'http://proxy.corp:3128 (HTTPS_PROXY)'],
    [{ HTTPS_PROXY: 'https://proxy.corp' }, 'https://proxy.corp (HTTPS_PROXY)'],
    [{ HTTPS_PROXY: 'http://alice:s3cr%3At@proxy.corp:8080' }, 'http://proxy.corp:8080 (HTTPS_PROXY)'],
    [{ HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: 'begenuin.com' }, undefined],
    [{ HTTPS_PROXY: 'http://proxy.corp:3128', no_proxy: 'example.com', NO_PROXY: 'begenuin.com' }, 'http://proxy.corp:3128 (HTTPS_PROXY)'],
  ] as [Record<string, string>, string | undefined][])('%o -> %s', (env, shown) => {
    const choice = proxyFor(API, env);
    expect(choice && proxyDisplay(choice)).toBe(shown);
  });

  it('keeps the credentials for the proxy and out of the display', () => {
    const choice = proxyFor(API, { HTTPS_PROXY: 'http://alice:s3cr%3At@proxy.corp:8080' })!;
    expect(choice.url.username).toBe('alice');
    expect(proxyDisplay(choice)).not.toMatch(/alice|s3cr/);
  });

  it('uses HTTP_PROXY for a plain-http (loopback) API', () => {
    expect(proxyDisplay(proxyFor('http://127.0.0.1:8080', { HTTP_PROXY: 'http://127.0.0.1:3128', HTTPS_PROXY: 'http://x:1' })!)).toBe('http://127.0.0.1:3128 (HTTP_PROXY)');
  });

  it.each([
    ['socks5://proxy.corp:1080', /HTTPS_PROXY names a socks5 proxy; only http:\/\/ and https:\/\/ proxies are supported/],
    ['http://user:hunter2@[bad', /HTTPS_PROXY is not a proxy URL/],
  ])('refuses %s with one line that does not repeat the value', (value, message) => {
    const attempt = () => proxyFor(API, { HTTPS_PROXY: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});

describe('bypassesProxy: NO_PROXY entries', () => {
  it.each([
    ['https://api.begenuin.com', '*', true],
    ['https://api.begenuin.com', 'begenuin.com', true],
    ['https://api.begenuin.com', '.begenuin.com', true],
    ['https://api.begenuin.com', '*.begenuin.com', true],
    ['https://API.Begenuin.com', 'BEGENUIN.COM', true],
    ['https://api.begenuin.com', 'notbegenuin.com', false],
    ['https://begenuin.com.evil.net', 'begenuin.com', false],
    ['https://api.begenuin.com', 'localhost, 127.0.0.1 ,api.begenuin.com', true],
    ['https://api.begenuin.com', 'localhost 127.0.0.1', false],
    ['https://api.begenuin.com', 'api.begenuin.com:443', true],
    ['https://api.begenuin.com', 'api.begenuin.com:8443', false],
    ['https://api.begenuin.com:8443', 'api.begenuin.com:8443', true],
    ['http://127.0.0.1:4000', '127.0.0.1', true],
    ['http://127.0.0.1:4000', '127.0.0.0/8', true],
    ['http://127.0.0.1:4000', '10.0.0.0/8', false],
    ['http://127.0.0.1:4000', '127.0.0.1:4000', true],
    ['http://127.0.0.1:4000', '127.0.0.1:5000', false],
    ['http://[::1]:4000', '::1', true],
    ['http://[::1]:4000', '[::1]:4000', true],
    ['http://[::1]:4000', '::/0', true],
    ['http://[::1]:4000', '127.0.0.1', false],
    ['http://127.0.0.1:4000', '', false],
  ] as [string, string, boolean][])('%s with NO_PROXY=%j: %s', (url, noProxy, bypass) => {
    expect(bypassesProxy(new URL(url), noProxy)).toBe(bypass);
  });
});

describe('the client through a CONNECT proxy on loopback', () => {
  let sim: Simulator;
  let proxy: ConnectProxy;
  beforeEach(async () => {
    sim = await startSimulator({ token: TOKEN });
    proxy = await startConnectProxy();
  });
  afterEach(async () => {
    await proxy.close();
    await sim.close();
  });

  it('tunnels plain http too: the proxy is asked for host:port and never sees a request header', async () => {
    const client = new GenuinClient({ baseUrl: sim.url, token: TOKEN, timeoutMs: 5_000, maxSockets: 2, proxy: new URL(proxy.url) });
    const r = await client.send('community', body('tunnelled'));
    expect(r).toMatchObject({ type: 'response', status: 200 });
    const target = new URL(sim.url).host;
    expect(proxy.connects).toEqual([target]);
    expect(proxy.forwarded).toEqual([]);
    for (const h of proxy.headers) {
      expect(h.authorization).toBeUndefined();
      expect(JSON.stringify(h)).not.toContain(TOKEN);
    }
    expect(sim.state.snapshot().communities.map((c) => c.handle)).toEqual(['tunnelled']);
  });

  it('keeps tunnels alive: 3 requests in flight at a time (as the executor sends) use at most 3 tunnels at once', async () => {
    const client = new GenuinClient({ baseUrl: sim.url, token: TOKEN, timeoutMs: 10_000, maxSockets: 3, proxy: new URL(proxy.url) });
    const results: Awaited<ReturnType<GenuinClient['send']>>[] = [];
    let next = 0;
    const worker = async () => {
      while (next < 24) results.push(await client.send('community', body(`c${next++}`)));
    };
    await Promise.all([worker(), worker(), worker()]);
    expect(results.every((r) => r.type === 'response' && r.status === 200)).toBe(true);
    expect(proxy.open.max).toBeLessThanOrEqual(3);
    // 24 requests over at most 3 sockets at a time: tunnels are reused, not one per request.
    expect(proxy.connects.length).toBeLessThan(24);
    expect(sim.state.snapshot().communities).toHaveLength(24);
  });

  it('sends the proxy its own credentials, as Proxy-Authorization on CONNECT only', async () => {
    const withUser = new URL(proxy.url);
    withUser.username = 'alice';
    withUser.password = 'pr0xy-pass';
    const client = new GenuinClient({ baseUrl: sim.url, token: TOKEN, timeoutMs: 5_000, maxSockets: 1, proxy: withUser });
    await client.send('community', body('authd'));
    expect(proxy.headers[0]['proxy-authorization']).toBe(`Basic ${Buffer.from('alice:pr0xy-pass').toString('base64')}`);
    // Inside the tunnel the API sees no proxy credentials.
    expect(proxy.tunnelText()).not.toMatch(/proxy-authorization/i);
  });

  it('a refused tunnel is a network failure of a request never sent', async () => {
    const refusing = await startConnectProxy({ refuseWith: 403 });
    try {
      const client = new GenuinClient({ baseUrl: sim.url, token: TOKEN, timeoutMs: 5_000, maxSockets: 1, proxy: new URL(refusing.url) });
      const r = await client.send('group', body('never'));
      expect(r).toMatchObject({ type: 'network', code: 'ERR_PROXY_CONNECT', sent: false });
      expect(r.type === 'network' && r.message).toContain('403');
      expect(sim.state.snapshot().counts.requests).toBe(0);
    } finally {
      await refusing.close();
    }
  });

  it('a proxy that is down is a connection refused, not sent', async () => {
    const gone = new URL(proxy.url);
    await proxy.close();
    const client = new GenuinClient({ baseUrl: sim.url, token: TOKEN, timeoutMs: 5_000, maxSockets: 1, proxy: gone });
    expect(await client.send('group', body('never'))).toMatchObject({ type: 'network', code: 'ECONNREFUSED', sent: false });
    proxy = await startConnectProxy(); // for afterEach
  });
});

describe('an untrusted certificate at the client', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({ token: TOKEN });
  });
  afterEach(async () => {
    await sim.close();
  });

  // This process trusts the system CAs only: the test CA that signed the front's certificate is unknown.
  it.each([false, true])('comes back with the verification code, not sent (through a proxy: %s)', async (viaProxy) => {
    const front = await startTlsFront(Number(new URL(sim.url).port));
    const proxy = viaProxy ? await startConnectProxy() : undefined;
    try {
      const client = new GenuinClient({ baseUrl: front.url, token: TOKEN, timeoutMs: 5_000, maxSockets: 1, proxy: proxy && new URL(proxy.url) });
      const r = await client.send('group', body('never'));
      expect(r).toMatchObject({ type: 'network', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', sent: false });
      expect(JSON.stringify(r)).not.toContain(TOKEN);
      expect(sim.state.snapshot().counts.requests).toBe(0);
      if (proxy) {
        expect(proxy.connects).toEqual([`127.0.0.1:${front.port}`]);
        expect(proxy.tunnelText()).not.toContain(TOKEN);
      }
    } finally {
      await proxy?.close();
      await front.close();
    }
  });
});
