// End to end, as an operator's network would have it: the built CLI through a real CONNECT proxy
// on loopback to an HTTPS front (committed test certificate) before the simulator; an untrusted
// certificate and a wrong base URL stop the run at once instead of failing item by item.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { simulatorWorkspace } from '../helpers/workspace.js';
import { startConnectProxy, startTlsFront, TEST_CA, type ConnectProxy, type TlsFront } from '../api/net-fixtures.js';

const TOKEN = 'networks-token-71d0c3a9';
const PROXY_PASSWORD = 'pr0xy-s3cret';
const ws = simulatorWorkspace(TOKEN);

let proxy: ConnectProxy;
let front: TlsFront;
beforeEach(async () => {
  proxy = await startConnectProxy();
  front = await startTlsFront(Number(new URL(ws.sim.url).port));
});
afterEach(async () => {
  await proxy.close();
  await front.close();
});

/** `n` communities, each with two groups. */
function manifest(n: number): string {
  const communities = Array.from({ length: n }, (_, i) => `  - handle: net${i}\n    name: Net ${i}\n    groups:\n      - group: { name: G${i}a }\n      - group: { name: G${i}b }\n`);
  return `version: 1\ndefaults:\n  community: { type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }\n  group: { type: 4 }\ncommunities:\n${communities.join('')}`;
}

const ledger = () => join(ws.dir, 'ledger.jsonl');
const ledgerEvents = () =>
  existsSync(ledger())
    ? readFileSync(ledger(), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { event: string })
    : [];

function apply(env: Record<string, string>, extra: string[] = []) {
  const file = ws.write('m.yaml', manifest(3));
  return runCli(['apply', file, '--ledger', ledger(), '--rate', '200/s', '--no-progress', ...extra], {
    env: { GENUIN_ACCESS_TOKEN: TOKEN, ...env },
    cwd: ws.dir,
  });
}

function expectAllCreated() {
  const state = ws.sim.state.snapshot();
  expect(state.communities).toHaveLength(3);
  expect(state.groups).toHaveLength(6);
}

function expectProxyNeverSawTheToken() {
  expect(proxy.forwarded).toEqual([]);
  for (const headers of proxy.headers) {
    expect(headers.authorization).toBeUndefined();
    expect(JSON.stringify(headers)).not.toContain(TOKEN);
  }
}

describe('apply through an HTTP CONNECT proxy', () => {
  it('HTTPS_PROXY: every request tunnels to the API host, the proxy never sees the token, and the proxy in use is logged without its password', async () => {
    const proxyUrl = new URL(proxy.url);
    proxyUrl.username = 'ops';
    proxyUrl.password = PROXY_PASSWORD;
    const r = await apply({ GENUIN_API_URL: front.url, HTTPS_PROXY: proxyUrl.href, NODE_EXTRA_CA_CERTS: TEST_CA });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expectAllCreated();

    expect(proxy.connects.length).toBeGreaterThan(0);
    expect(new Set(proxy.connects)).toEqual(new Set([`127.0.0.1:${front.port}`]));
    expect(proxy.headers.every((h) => h['proxy-authorization'] === `Basic ${Buffer.from(`ops:${PROXY_PASSWORD}`).toString('base64')}`)).toBe(true);
    expectProxyNeverSawTheToken();
    // The tunnel carried TLS: not even the bytes crossing the proxy show the token.
    expect(proxy.tunnelText()).not.toContain(TOKEN);

    const said = r.stdout + r.stderr;
    expect(said).toContain(`requests to the API go through the proxy http://127.0.0.1:${proxyUrl.port} (HTTPS_PROXY)`);
    expect(said.match(/go through the proxy/g)).toHaveLength(1);
    expect(said).not.toContain(PROXY_PASSWORD);
    expect(readFileSync(ledger(), 'utf8')).not.toContain(PROXY_PASSWORD);
  });

  it('the Authentication API request (GENUIN_API_KEY + GENUIN_API_SECRET) goes through the proxy too, the secret inside TLS', async () => {
    const r = await runCli(['apply', ws.write('m.yaml', manifest(1)), '--ledger', ledger(), '--no-progress'], {
      env: { GENUIN_API_URL: front.url, GENUIN_API_KEY: 'sim-key', GENUIN_API_SECRET: 'sim-secret', HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: TEST_CA },
      cwd: ws.dir,
    });
    expect(r.code).toBe(0);
    const state = ws.sim.state.snapshot();
    expect(state.counts.auth).toBeGreaterThan(0);
    expect(state.communities).toHaveLength(1);
    expect(new Set(proxy.connects)).toEqual(new Set([`127.0.0.1:${front.port}`]));
    // Every connection the API's front accepted was a tunnel: none came direct.
    expect(front.connections()).toBe(proxy.connects.length);
    expect(JSON.stringify(proxy.headers)).not.toContain('sim-secret');
    expect(proxy.tunnelText()).not.toContain('sim-secret');
  });

  it('lowercase https_proxy wins over HTTPS_PROXY', async () => {
    const r = await apply({ GENUIN_API_URL: front.url, https_proxy: proxy.url, HTTPS_PROXY: 'http://127.0.0.1:9', NODE_EXTRA_CA_CERTS: TEST_CA });
    expect(r.code).toBe(0);
    expectAllCreated();
    expect(proxy.connects.length).toBeGreaterThan(0);
  });

  it('reads the proxy variables from .env too, like the rest of the configuration', async () => {
    writeFileSync(join(ws.dir, '.env'), `HTTPS_PROXY=${proxy.url}\n`, { mode: 0o600 });
    const r = await apply({ GENUIN_API_URL: front.url, NODE_EXTRA_CA_CERTS: TEST_CA });
    expect(r.code).toBe(0);
    expectAllCreated();
    expect(proxy.connects.length).toBeGreaterThan(0);
  });

  it.each(['NO_PROXY', 'no_proxy'])('%s=127.0.0.1 goes direct', async (name) => {
    const r = await apply({ GENUIN_API_URL: front.url, HTTPS_PROXY: proxy.url, [name]: 'localhost,127.0.0.1', NODE_EXTRA_CA_CERTS: TEST_CA });
    expect(r.code).toBe(0);
    expectAllCreated();
    expect(proxy.connects).toEqual([]);
    expect(r.stdout + r.stderr).not.toContain('proxy');
  });

  it('HTTP_PROXY with a plain-http loopback API: tunnelled too, so no request header reaches the proxy', async () => {
    const r = await apply({ GENUIN_API_URL: ws.sim.url, HTTP_PROXY: proxy.url });
    expect(r.code).toBe(0);
    expectAllCreated();
    expect(new Set(proxy.connects)).toEqual(new Set([new URL(ws.sim.url).host]));
    expectProxyNeverSawTheToken();
  });

  it('--simulate never uses the proxy (the simulator runs in the process)', async () => {
    const r = await runCli(['apply', ws.write('m.yaml', manifest(1)), '--simulate', '--ledger', join(ws.dir, 'sim.jsonl'), '--no-progress'], {
      env: { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url },
      cwd: ws.dir,
    });
    expect(r.code).toBe(0);
    expect(proxy.connects).toEqual([]);
  });

  it('a malformed proxy variable is one line and exit 2, before anything is sent', async () => {
    const r = await apply({ GENUIN_API_URL: front.url, HTTPS_PROXY: 'socks5://ops:pw-in-url@127.0.0.1:1080' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/HTTPS_PROXY names a socks5 proxy; only http:\/\/ and https:\/\/ proxies are supported/);
    expect(r.stderr).not.toContain('pw-in-url');
    expect(ws.sim.state.snapshot().counts.requests).toBe(0);
  });
});

describe('a run that cannot work stops at once (exit 3), not item by item', () => {
  const CONCURRENCY = 2;
  const flags = ['--concurrency', String(CONCURRENCY), '--retries', '2'];

  it.each([false, true])('untrusted TLS certificate: names the error and NODE_EXTRA_CA_CERTS, creates nothing (through a proxy: %s)', async (viaProxy) => {
    const env: Record<string, string> = { GENUIN_API_URL: front.url };
    if (viaProxy) env.HTTPS_PROXY = proxy.url;
    const r = await apply(env, flags);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(r.stderr).toMatch(/NODE_EXTRA_CA_CERTS=\S+/);
    // Never an offer to turn verification off.
    expect(r.stdout + r.stderr).not.toMatch(/NODE_TLS_REJECT_UNAUTHORIZED|rejectUnauthorized|insecure/i);
    expect(r.stderr).not.toContain(TOKEN);
    // At most one handshake per request that was in flight when the first one failed.
    expect(front.connections()).toBeGreaterThan(0);
    expect(front.connections()).toBeLessThanOrEqual(CONCURRENCY);
    expect(ws.sim.state.snapshot().counts.requests).toBe(0);
    expect(ledgerEvents().filter((e) => e.event === 'created')).toEqual([]);
  });

  /** Each way of getting a token: the stop must not depend on it (issue 20, finding 1). */
  const AUTH_MODES: [string, Record<string, string>][] = [
    ['a static token', { GENUIN_ACCESS_TOKEN: TOKEN }],
    ['key + secret', { GENUIN_ACCESS_TOKEN: '', GENUIN_API_KEY: 'sim-key', GENUIN_API_SECRET: 'sim-secret' }],
    ['a token command', { GENUIN_ACCESS_TOKEN: '', GENUIN_ACCESS_TOKEN_COMMAND: `echo ${TOKEN}` }],
  ];

  describe.each([403, 407])('a proxy answering %i to CONNECT', (status) => {
    let refusing: ConnectProxy;
    beforeEach(async () => {
      refusing = await startConnectProxy({ refuseWith: status });
    });
    afterEach(async () => {
      await refusing.close();
    });

    it.each(AUTH_MODES)('with %s: exit 3 at once, naming the proxy, its answer and the fix; nothing reaches the API', async (_mode, auth) => {
      const r = await apply({ GENUIN_API_URL: front.url, HTTPS_PROXY: refusing.url, NODE_EXTRA_CA_CERTS: TEST_CA, ...auth }, flags);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`the proxy ${refusing.url} answered HTTP ${status} to CONNECT`);
      expect(r.stderr).toMatch(status === 407 ? /wants credentials.*HTTPS_PROXY/ : /policy does not allow a tunnel.*NO_PROXY/);
      expect(r.stderr).not.toMatch(/authentication failed|ERR_GOT_REQUEST_ERROR/);
      expect(r.stderr).not.toContain(TOKEN);
      // Not one CONNECT per item and retry (3 communities × 3 attempts): the first answers decide.
      expect(refusing.connects.length).toBeLessThanOrEqual(CONCURRENCY);
      expect(ws.sim.state.snapshot().counts.requests).toBe(0);
      expect(ledgerEvents().filter((e) => e.event === 'created')).toEqual([]);
    });
  });

  it('key + secret, an untrusted certificate at the Authentication API: names the code and NODE_EXTRA_CA_CERTS, exit 3', async () => {
    const r = await apply({ GENUIN_API_URL: front.url, GENUIN_ACCESS_TOKEN: '', GENUIN_API_KEY: 'sim-key', GENUIN_API_SECRET: 'sim-secret' }, flags);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(r.stderr).toMatch(/the Authentication API \(https:\/\/127\.0\.0\.1:\d+\/api\/thirdparty\/auth\)/);
    expect(r.stderr).toMatch(/NODE_EXTRA_CA_CERTS=\S+/);
    expect(r.stderr).not.toMatch(/authentication failed|ERR_GOT_REQUEST_ERROR/);
    expect(r.stderr).not.toContain('sim-secret');
    // One handshake: a certificate is not retried.
    expect(front.connections()).toBe(1);
    expect(ws.sim.state.snapshot().counts.auth ?? 0).toBe(0);
  });

  it.each(AUTH_MODES.filter(([mode]) => mode !== 'key + secret'))('connection refused on every attempt (%s): exit 3 naming it, after one item used its retries, not every item', async (_mode, auth) => {
    const closed = `http://127.0.0.1:${front.port}`; // the TLS front speaks no plain http: use a port nothing listens on
    await front.close();
    const r = await apply({ GENUIN_API_URL: closed, ...auth }, ['--concurrency', '1', '--retries', '1']);
    front = await startTlsFront(Number(new URL(ws.sim.url).port)); // for afterEach
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot reach the API: no request got an answer \(connection refused \(ECONNREFUSED/);
    expect(r.stderr).toMatch(/check GENUIN_API_URL/);
    // The summary counts what was left: nothing failed item by item.
    expect(ledgerEvents().filter((e) => e.event === 'attempt').length).toBeLessThan(3 * 2);
  });

  it('key + secret, connection refused at the Authentication API: says it cannot reach it, not "authentication failed"', async () => {
    const closed = `http://127.0.0.1:${front.port}`;
    await front.close();
    const r = await apply({ GENUIN_API_URL: closed, GENUIN_ACCESS_TOKEN: '', GENUIN_API_KEY: 'sim-key', GENUIN_API_SECRET: 'sim-secret' }, flags);
    front = await startTlsFront(Number(new URL(ws.sim.url).port));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot reach the Authentication API \(http:\/\/127\.0\.0\.1:\d+\/api\/thirdparty\/auth\): no request got an answer \(connection refused/);
    expect(r.stderr).not.toMatch(/authentication failed/);
  });

  it('a base URL with /api/thirdparty (404s without the API error body): says it does not look like the API base and suggests the base', async () => {
    const r = await apply({ GENUIN_API_URL: `${ws.sim.url}/api/thirdparty` }, flags);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/does not look like the Genuin API base/);
    expect(r.stderr).toContain(ws.sim.url);
    const state = ws.sim.state.snapshot();
    expect(state.communities).toHaveLength(0);
    // The first answers decide: not one 404 per item (3 communities), let alone per retry.
    expect(state.counts.requests).toBeLessThanOrEqual(CONCURRENCY);
  });
});
