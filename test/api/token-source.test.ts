// Token sources on their own: which one the environment picks, the Authentication API call against
// the simulator (its documented refusals), one auth request for many refreshes, and the token command.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authenticate } from '../../src/api/auth.js';
import { runTokenCommand } from '../../src/api/token-command.js';
import { createTokenSource, credentialsFromEnv, openTokenSource } from '../../src/api/token-source.js';
import { resolveRunConfig } from '../../src/config/run-config.js';
import { AuthError, ConfigError } from '../../src/errors.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { tempDir } from '../helpers/cli.js';

const KEY = 'brand-key-unit-41c2';
const SECRET = 'brand-SECRET-unit-8e3f0a7d5b';
const TOKEN = 'gn-static-TOKEN-2a9d';
const COMMAND = 'print-token --profile prod';

/** The message of what `fn` throws or rejects with, which must be of `type`. */
async function failure(fn: () => unknown, type: typeof AuthError | typeof ConfigError): Promise<string> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return (error as Error).message;
  }
  throw new Error('did not fail');
}

describe('credentialsFromEnv: one source, chosen by the environment', () => {
  it.each([
    [{ GENUIN_ACCESS_TOKEN: ` ${TOKEN} ` }, { source: 'token', token: TOKEN }],
    [{ GENUIN_API_KEY: KEY, GENUIN_API_SECRET: SECRET }, { source: 'api-key', apiKey: KEY, apiSecret: SECRET }],
    [{ GENUIN_ACCESS_TOKEN_COMMAND: COMMAND }, { source: 'command', command: COMMAND }],
    // a .env copied from .env.example has `GENUIN_ACCESS_TOKEN=`: empty is unset
    [{ GENUIN_ACCESS_TOKEN: '', GENUIN_API_KEY: KEY, GENUIN_API_SECRET: SECRET }, { source: 'api-key', apiKey: KEY, apiSecret: SECRET }],
  ])('%j', (env, expected) => {
    expect(credentialsFromEnv(env)).toEqual(expected);
  });

  it.each([
    [{ GENUIN_ACCESS_TOKEN: TOKEN, GENUIN_API_KEY: KEY, GENUIN_API_SECRET: SECRET }, 'GENUIN_ACCESS_TOKEN, GENUIN_API_KEY, GENUIN_API_SECRET'],
    [{ GENUIN_ACCESS_TOKEN: TOKEN, GENUIN_ACCESS_TOKEN_COMMAND: COMMAND }, 'GENUIN_ACCESS_TOKEN, GENUIN_ACCESS_TOKEN_COMMAND'],
    [{ GENUIN_API_SECRET: SECRET, GENUIN_ACCESS_TOKEN_COMMAND: COMMAND }, 'GENUIN_API_SECRET, GENUIN_ACCESS_TOKEN_COMMAND'],
  ])('more than one set is refused, naming the variables set and no value: %j', async (env, names) => {
    const message = await failure(() => credentialsFromEnv(env), ConfigError);
    expect(message).toContain(`more than one way to get the access token is set (${names})`);
    for (const value of [TOKEN, KEY, SECRET, COMMAND]) expect(message).not.toContain(value);
  });

  it('a key without its secret, or a secret without its key, is refused', async () => {
    expect(await failure(() => credentialsFromEnv({ GENUIN_API_KEY: KEY }), ConfigError)).toMatch(/^GENUIN_API_KEY is set but GENUIN_API_SECRET is not/);
    const message = await failure(() => credentialsFromEnv({ GENUIN_API_SECRET: SECRET }), ConfigError);
    expect(message).toMatch(/^GENUIN_API_SECRET is set but GENUIN_API_KEY is not/);
    expect(message).not.toContain(SECRET);
  });

  it('none set: says every way, and a token that cannot go in a header is refused without quoting it', async () => {
    const none = await failure(() => credentialsFromEnv({}), ConfigError);
    expect(none).toMatch(/^GENUIN_ACCESS_TOKEN is not set: .*GENUIN_API_KEY and GENUIN_API_SECRET.*GENUIN_ACCESS_TOKEN_COMMAND/);
    const bad = await failure(() => credentialsFromEnv({ GENUIN_ACCESS_TOKEN: 'abc\ndef-SECRETPART' }), ConfigError);
    expect(bad).toBe('GENUIN_ACCESS_TOKEN is not a usable token (2 lines)');
  });

  it('a token under another name (GENUIN_TOKEN, GENUIN_API_TOKEN, lower case, GENUINE_…) gets "did you mean", never its value', async () => {
    for (const [name, meant] of [
      ['GENUIN_TOKEN', 'GENUIN_ACCESS_TOKEN'],
      ['GENUIN_API_TOKEN', 'GENUIN_ACCESS_TOKEN'],
      ['genuin_access_token', 'GENUIN_ACCESS_TOKEN'],
      ['GENUINE_ACCESS_TOKEN', 'GENUIN_ACCESS_TOKEN'],
      ['GENUIN_TOKEN_COMMAND', 'GENUIN_ACCESS_TOKEN_COMMAND'],
    ]) {
      const message = await failure(() => credentialsFromEnv({ [name!]: TOKEN }), ConfigError);
      expect(message).toMatch(new RegExp(`^GENUIN_ACCESS_TOKEN is not set, but ${name} is: did you mean ${meant}\\? `));
      expect(message).not.toContain(TOKEN);
      expect(message.split('\n')).toHaveLength(1);
    }
    // Unrelated GENUIN_ variables (and empty ones) change nothing.
    expect(await failure(() => credentialsFromEnv({ GENUIN_RATE: '5/s', GENUIN_TOKEN: ' ' }), ConfigError)).toMatch(/^GENUIN_ACCESS_TOKEN is not set: /);
  });

  it('resolveRunConfig carries the credentials; no flag can give any of them', () => {
    const config = resolveRunConfig({ env: { GENUIN_API_URL: 'https://api.example.com', GENUIN_API_KEY: KEY, GENUIN_API_SECRET: SECRET } });
    expect(config.credentials).toEqual({ source: 'api-key', apiKey: KEY, apiSecret: SECRET });
    expect(config.token).toBeUndefined();
    expect(resolveRunConfig({ flags: { simulate: true }, env: { GENUIN_API_KEY: KEY } }).credentials).toBeUndefined();
  });
});

describe('the Authentication API, against the simulator', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({ apiKey: KEY, apiSecret: SECRET });
  });
  afterEach(async () => {
    await sim.close();
  });
  const auth = (apiKey: string, apiSecret = SECRET) => authenticate({ baseUrl: sim.url, apiKey, apiSecret, timeoutMs: 5000, retryDelayMs: 1 });

  it('returns the token of the gn-access-token header, which the create endpoints accept', async () => {
    const token = await auth(KEY);
    expect(token).toMatch(/^gn-sim-/);
    const res = await fetch(`${sim.url}/api/thirdparty/community/create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ handle: 'h1', name: 'H', type: 1, actions: [] }),
    });
    expect(res.status).toBe(200);
    expect(sim.state.counts).toMatchObject({ auth: 1, tokensIssued: 1 });
  });

  it.each([
    ['an unknown key', 'other-key', SECRET, /HTTP 404 5235: Brand not exists: GENUIN_API_KEY is unknown/],
    ['a wrong secret', KEY, 'wrong-SECRET-77', /HTTP 404 5235: Brand not exists/],
    ['a key the API may not use', 'sim-412-key', SECRET, /HTTP 412 5166: Invalid use of API/],
  ])('%s: an AuthError with the documented meaning, once (no retry), without the secret', async (_, key, secret, meaning) => {
    const message = await failure(() => auth(key, secret), AuthError);
    expect(message).toMatch(meaning);
    expect(message).not.toContain(secret);
    expect(sim.state.counts.auth).toBe(1);
  });

  it('many refreshes at once cost one auth request; each later refresh one more', async () => {
    const source = await openTokenSource({ source: 'api-key', apiKey: KEY, apiSecret: SECRET }, { baseUrl: sim.url, timeoutMs: 5000 });
    const first = source.current();
    expect(sim.state.counts.auth).toBe(1);
    await Promise.all(Array.from({ length: 10 }, () => source.refresh()));
    expect(sim.state.counts.auth).toBe(2);
    const second = source.current();
    expect(second).not.toBe(first);
    await source.refresh();
    expect(sim.state.counts.auth).toBe(3);
    expect(source.obtained).toBe(3);
    // what a careless log line would print
    expect(JSON.stringify(source)).not.toContain(source.current());
    expect(JSON.stringify(source)).not.toContain(SECRET);
  });

  it('a fixed GENUIN_ACCESS_TOKEN cannot refresh: its refresh rejects with an AuthError, sending nothing', async () => {
    const source = createTokenSource({ source: 'token', token: TOKEN }, { baseUrl: sim.url, timeoutMs: 5000 });
    expect(source.refreshable).toBe(false);
    expect(source.current()).toBe(TOKEN);
    expect(await failure(() => source.refresh(), AuthError)).not.toContain(TOKEN);
    expect(sim.state.counts.requests).toBe(0);
  });
});

describe('answers the simulator does not give', () => {
  // A server of our own for the two answers the simulator never sends: a 200 without a token, and 1099.
  let server: http.Server;
  let answer: { status: number; headers?: Record<string, string>; body: string };
  let url: string;
  let seen = 0;
  beforeEach(async () => {
    seen = 0;
    server = http.createServer((req, res) => {
      seen++;
      req.resume();
      req.on('end', () => {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise((r) => server.close(r));
  });
  const auth = () => authenticate({ baseUrl: url, apiKey: KEY, apiSecret: SECRET, timeoutMs: 5000, retryDelayMs: 1 });

  it('a 200 without a token says what came back: status, header names, body keys, never the secret', async () => {
    answer = { status: 200, headers: { 'x-echo': SECRET }, body: JSON.stringify({ code: 200, message: `hello ${SECRET}`, data: { user: 'u' } }) };
    const message = await failure(auth, AuthError);
    expect(message).toMatch(/answered 200 without a token: no gn-access-token header \(headers: .*x-echo.*\); body: keys code, message, data\{user\}/);
    expect(message).not.toContain(SECRET);
  });

  it.each([
    [{ data: { token: 'tok-in-data' } }, 'tok-in-data'],
    [{ data: { 'gn-access-token': 'tok-in-data-2' } }, 'tok-in-data-2'],
    [{ token: 'tok-top' }, 'tok-top'],
  ])('a 200 with the token in the body: %j', async (body, token) => {
    answer = { status: 200, body: JSON.stringify(body) };
    expect(await auth()).toBe(token);
  });

  it('400 1099 is the documented meaning; a 503 is tried three times, then named', async () => {
    answer = { status: 400, body: JSON.stringify({ code: '1099', message: 'An unexpected error occurred processing the request', data: {} }) };
    expect(await failure(auth, AuthError)).toMatch(/HTTP 400 1099: the authentication API could not process the request/);
    expect(seen).toBe(1);
    answer = { status: 503, body: JSON.stringify({ code: '503', message: 'Service Unavailable', data: {} }) };
    expect(await failure(auth, AuthError)).toMatch(/after 3 attempts: HTTP 503 503: Service Unavailable/);
    expect(seen).toBe(4);
  });
});

describe('GENUIN_ACCESS_TOKEN_COMMAND', () => {
  const dir = tempDir('genuin-token-cmd-');
  const script = (name: string, body: string) => {
    const path = join(dir, name);
    writeFileSync(path, body);
    return `"${process.execPath}" "${path}"`;
  };

  it('its trimmed stdout is the token', async () => {
    expect(await runTokenCommand(script('ok.cjs', `process.stdout.write('  tok-from-command-1  \\n')`))).toBe('tok-from-command-1');
  });

  it('a non-zero exit: the exit code and stderr first line, never what it printed on stdout', async () => {
    const command = script('fail.cjs', `process.stdout.write('half-TOKEN-9c1d'); console.error('\\nvault: permission denied\\nmore'); process.exit(7)`);
    const message = await failure(() => runTokenCommand(command), AuthError);
    expect(message).toBe('GENUIN_ACCESS_TOKEN_COMMAND failed with exit code 7: vault: permission denied');
  });

  it('stderr that quotes stdout is cut', async () => {
    const command = script('echo.cjs', `process.stdout.write('leaky-TOKEN-77'); console.error('got leaky-TOKEN-77 but failed'); process.exit(2)`);
    const message = await failure(() => runTokenCommand(command), AuthError);
    expect(message).toBe('GENUIN_ACCESS_TOKEN_COMMAND failed with exit code 2: got [stdout] but failed');
  });

  it.each([
    ['printed nothing', `console.error('no session')`, 'GENUIN_ACCESS_TOKEN_COMMAND exited 0 but printed nothing on stdout: no session'],
    ['printed two lines', `console.log('a-TOKEN-1'); console.log('b-TOKEN-2')`, 'GENUIN_ACCESS_TOKEN_COMMAND printed something that is not a token on stdout (2 lines)'],
  ])('%s', async (_, body, expected) => {
    expect(await failure(() => runTokenCommand(script('x.cjs', body)), AuthError)).toBe(expected);
  });

  it('as a source: run once per refresh; after a failure, later refreshes fail alike without running it again', async () => {
    const counter = join(dir, 'count');
    const command = script(
      'counted.cjs',
      `const fs = require('node:fs'); const n = (fs.existsSync(${JSON.stringify(counter)}) ? Number(fs.readFileSync(${JSON.stringify(counter)}, 'utf8')) : 0) + 1;
fs.writeFileSync(${JSON.stringify(counter)}, String(n)); if (n >= 3) { console.error('expired'); process.exit(9); } console.log('tok-' + n);`,
    );
    const seen: number[] = [];
    const source = await openTokenSource({ source: 'command', command }, { baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000, onObtained: (n) => seen.push(n) });
    expect(source.current()).toBe('tok-1');
    await Promise.all([source.refresh(), source.refresh(), source.refresh()]);
    expect(source.current()).toBe('tok-2');
    expect(await failure(() => source.refresh(), AuthError)).toBe('GENUIN_ACCESS_TOKEN_COMMAND failed with exit code 9: expired');
    expect(await failure(() => source.refresh(), AuthError)).toBe('GENUIN_ACCESS_TOKEN_COMMAND failed with exit code 9: expired');
    expect(readFileSync(counter, 'utf8')).toBe('3');
    expect(seen).toEqual([1, 2]);
    expect(source.current()).toBe('tok-2');
  });

  it('a command that does not finish in time is stopped and named', async () => {
    // The shell prints at once (a node script could still be starting on a busy machine when a
    // short timeout fires); the timeout leaves seconds of room for that line to arrive.
    const command = `echo 'waiting for MFA' >&2; exec sleep 60`;
    const message = await failure(() => runTokenCommand(command, { timeoutMs: 3000 }), AuthError);
    expect(message).toBe('GENUIN_ACCESS_TOKEN_COMMAND did not finish within 3 s: waiting for MFA');
  });

  it('a command the shell cannot find fails with the shell\'s exit code', async () => {
    const message = await failure(() => runTokenCommand('genuin-no-such-command-x1'), AuthError);
    expect(message).toMatch(/^GENUIN_ACCESS_TOKEN_COMMAND failed with exit code 127: .*not found/);
  });
});
