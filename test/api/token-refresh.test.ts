// End to end through the CLI: tokens the tool obtains itself (GENUIN_API_KEY + GENUIN_API_SECRET, or
// GENUIN_ACCESS_TOKEN_COMMAND) are refreshed when the simulator expires them, and auth failures stop the run.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { runCli, tempDir } from '../helpers/cli.js';

const KEY = 'brand-key-e2e-5d1a';
const SECRET = 'brand-SECRET-e2e-c47f9b02e8';
/** Each issued token authorizes this many create requests, then answers 401. */
const TTL = 3;

/** 5 communities with 3 groups each: 20 create requests when nothing fails. */
const MANIFEST = `version: 1
defaults:
  community: { type: 1, actions: [] }
  group: { type: 4 }
communities:
${Array.from({ length: 5 }, (_, c) => `  - handle: c${c}\n    name: C${c}\n    groups:\n${[0, 1, 2].map((g) => `      - group: { name: G${c}-${g} }`).join('\n')}`).join('\n')}
`;

/**
 * A token command as an operator might write one: it logs in to the auth endpoint itself and prints
 * the token. Each run is counted in a file outside the run's directory; `FAIL_FROM` makes run n >= it fail.
 */
const TOKEN_SCRIPT = `const fs = require('node:fs');
const [counter, url, failFrom] = process.argv.slice(2);
const n = (fs.existsSync(counter) ? Number(fs.readFileSync(counter, 'utf8')) : 0) + 1;
fs.writeFileSync(counter, String(n));
if (failFrom && n >= Number(failFrom)) {
  process.stdout.write('partial-OUTPUT-4e2b');
  console.error('sso: session expired, run sso login');
  process.exit(42);
}
fetch(url + '/api/thirdparty/auth', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: ${JSON.stringify(KEY)}, api_secret: ${JSON.stringify(SECRET)} }) })
  .then((r) => { if (r.status !== 200) process.exit(3); console.log(r.headers.get('gn-access-token')); });
`;

let sim: Simulator;
let dir: string;
/** Outside the run's directory: the run's files are searched for secrets elsewhere. */
let aside: string;
beforeEach(async () => {
  sim = await startSimulator({ apiKey: KEY, apiSecret: SECRET, tokenTtlRequests: TTL });
  dir = tempDir();
  aside = tempDir('genuin-aside-');
  writeFileSync(join(dir, 'm.yaml'), MANIFEST);
  writeFileSync(join(aside, 'token.cjs'), TOKEN_SCRIPT);
});
afterEach(async () => {
  await sim.close();
});

// Concurrency at most TTL: a new token is never used up by requests sent before any of them was
// answered, so a second 401 in a row can only mean a token that does not work.
const apply = (env: Record<string, string>, args: string[] = []) =>
  runCli(['apply', 'm.yaml', '--rate', '500/s', '--concurrency', String(TTL), '--no-progress', ...args], { cwd: dir, env: { GENUIN_API_URL: sim.url, ...env } });
const tokenCommand = (failFrom?: number) =>
  `"${process.execPath}" "${join(aside, 'token.cjs')}" "${join(aside, 'runs')}" "${sim.url}"${failFrom ? ` ${failFrom}` : ''}`;
const commandRuns = () => (existsSync(join(aside, 'runs')) ? Number(readFileSync(join(aside, 'runs'), 'utf8')) : 0);
const created = () => {
  const s = sim.state.snapshot();
  return s.communities.length + s.groups.length;
};

describe('GENUIN_API_KEY + GENUIN_API_SECRET', () => {
  it('obtains a token, and a new one each time the API answers 401: everything is created, exit 0', async () => {
    const r = await apply({ GENUIN_API_KEY: KEY, GENUIN_API_SECRET: SECRET }, ['--log-file', 'run.log']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(created()).toBe(20);
    const counts = sim.state.counts;
    // the operator's log says where tokens came from and each renewal
    const log = readFileSync(join(dir, 'run.log'), 'utf8');
    expect(log).toContain('access token obtained through GENUIN_API_KEY and GENUIN_API_SECRET');
    expect(log.match(/access token renewed through GENUIN_API_KEY and GENUIN_API_SECRET after a 401/g)).toHaveLength(counts.auth - 1);
    // 20 creates at 3 per token: at least 7 tokens, each after a 401 but the first
    expect(counts.auth).toBeGreaterThanOrEqual(Math.ceil(20 / TTL));
    expect(counts.tokensIssued).toBe(counts.auth);
    expect(counts.byStatus['401']).toBeGreaterThanOrEqual(counts.auth - 1);
    // every item once: the refused requests were resent, none sent twice after a success
    expect(counts.creates - (counts.byStatus['401'] ?? 0)).toBe(20);
  });

  it('many 401s at once (every token expired mid-run) cost one auth request', async () => {
    await sim.close();
    sim = await startSimulator({ apiKey: KEY, apiSecret: SECRET, latencyMs: 30 });
    let expired = false;
    const r = await runCli(['apply', 'm.yaml', '--rate', '500/s', '--concurrency', '8', '--no-progress'], {
      cwd: dir,
      env: { GENUIN_API_URL: sim.url, GENUIN_API_KEY: KEY, GENUIN_API_SECRET: SECRET },
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (!expired && sim.state.counts.creates >= 6) {
            expired = true;
            sim.expireTokens();
          }
        }, 2);
        child.once('exit', () => clearInterval(poll));
      },
    });
    expect(r.code).toBe(0);
    expect(expired).toBe(true);
    expect(created()).toBe(20);
    expect(sim.state.counts.byStatus['401']).toBeGreaterThan(1);
    expect(sim.state.counts.auth).toBe(2);
  });

  it('an unknown key stops the run before anything is sent: exit 3, "Brand not exists"', async () => {
    const r = await apply({ GENUIN_API_KEY: 'unknown-key', GENUIN_API_SECRET: SECRET });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/HTTP 404 5235: Brand not exists: GENUIN_API_KEY is unknown/);
    expect(r.stderr).not.toContain(SECRET);
    expect(sim.state.counts.creates).toBe(0);
  });

  it('412 5166 stops the run with its meaning', async () => {
    const r = await apply({ GENUIN_API_KEY: 'sim-412-key', GENUIN_API_SECRET: SECRET });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/HTTP 412 5166: Invalid use of API/);
    expect(sim.state.counts.creates).toBe(0);
  });

  it('a manifest error needs no network: exit 2, no auth request', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'version: 1\ncommunities:\n  - handle: x\n');
    const r = await runCli(['apply', 'bad.yaml'], { cwd: dir, env: { GENUIN_API_URL: sim.url, GENUIN_API_KEY: KEY, GENUIN_API_SECRET: SECRET } });
    expect(r.code).toBe(2);
    expect(sim.state.counts.requests).toBe(0);
  });

  it('a re-run with nothing to create stays off the network', async () => {
    expect((await apply({ GENUIN_API_KEY: KEY, GENUIN_API_SECRET: SECRET })).code).toBe(0);
    const before = sim.state.counts.requests;
    expect((await apply({ GENUIN_API_KEY: KEY, GENUIN_API_SECRET: SECRET })).code).toBe(0);
    expect(sim.state.counts.requests).toBe(before);
  });

  it('more than one source set: exit 2 naming them, nothing sent', async () => {
    const r = await apply({ GENUIN_ACCESS_TOKEN: 'tok-AAAA', GENUIN_API_KEY: KEY, GENUIN_API_SECRET: SECRET });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('more than one way to get the access token is set (GENUIN_ACCESS_TOKEN, GENUIN_API_KEY, GENUIN_API_SECRET)');
    expect(r.stderr).not.toContain(SECRET);
    expect(sim.state.counts.requests).toBe(0);
  });
});

describe('GENUIN_ACCESS_TOKEN_COMMAND', () => {
  it('is run at start and again after each 401: everything is created, exit 0', async () => {
    const r = await apply({ GENUIN_ACCESS_TOKEN_COMMAND: tokenCommand() });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(created()).toBe(20);
    expect(commandRuns()).toBeGreaterThanOrEqual(Math.ceil(20 / TTL));
    expect(sim.state.counts.auth).toBe(commandRuns());
  });

  it('a command that fails at start: exit 3 with its exit code and stderr, never its stdout', async () => {
    const r = await apply({ GENUIN_ACCESS_TOKEN_COMMAND: tokenCommand(1) });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('GENUIN_ACCESS_TOKEN_COMMAND failed with exit code 42: sso: session expired, run sso login');
    expect(r.stderr + r.stdout).not.toContain('partial-OUTPUT-4e2b');
    expect(sim.state.counts.creates).toBe(0);
  });

  it('a command that fails on a refresh stops the run there: exit 3, what was created is in the ledger', async () => {
    const r = await apply({ GENUIN_ACCESS_TOKEN_COMMAND: tokenCommand(2) });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('GENUIN_ACCESS_TOKEN_COMMAND failed with exit code 42');
    expect(commandRuns()).toBe(2);
    expect(created()).toBe(TTL);
    const ledger = readFileSync(join(dir, 'genuin-ledger.jsonl'), 'utf8');
    expect(ledger.split('\n').filter((l) => l.includes('"event":"created"'))).toHaveLength(TTL);
  });
});
