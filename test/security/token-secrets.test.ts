// The API key, the API secret, the token command's output and every token the runs obtained appear in
// nothing a run leaves: stdout, stderr, the ledger, --log-file logs at trace, reports. Runs that refresh
// tokens, fail to authenticate and fail to run the command are all searched.
import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { runCli, tempDir, type CliResult } from '../helpers/cli.js';

const KEY = 'brand-KEY-secrets-6a0f3c';
const SECRET = 'brand-SECRET-secrets-e91b7d4a2c';
const WRONG_SECRET = 'brand-WRONGSECRET-3f8a1e6d0b';
/** What a failing token command printed on stdout before it failed. */
const PARTIAL = 'partial-CMDOUT-7b3e9d1a';
/** Tokens issued by the simulator: `gn-sim-` and 32 base64url characters. */
const SIM_TOKEN = /gn-sim-[A-Za-z0-9_-]{6,}/;

/** Every spelling of a secret that could end up somewhere. */
function spellings(secret: string): string[] {
  return [secret, secret.slice(4, 20), Buffer.from(secret).toString('base64'), encodeURIComponent(secret)];
}

const manifest = (prefix: string, n: number) => `version: 1
defaults:
  community: { type: 1, actions: [] }
  group: { type: 4 }
communities:
${Array.from({ length: n }, (_, c) => `  - handle: ${prefix}${c}\n    name: ${prefix} ${c}\n    groups:\n      - group: { name: G${c}a }\n      - group: { name: G${c}b }`).join('\n')}
`;

/**
 * Logs in to the auth endpoint and prints the token; writes every token it printed to a file outside
 * the run's directory (so the search below knows them). Run n >= argv[4] prints PARTIAL and fails.
 */
const TOKEN_SCRIPT = `const fs = require('node:fs');
const [aside, url, failFrom] = process.argv.slice(2);
const counter = aside + '/runs';
const n = (fs.existsSync(counter) ? Number(fs.readFileSync(counter, 'utf8')) : 0) + 1;
fs.writeFileSync(counter, String(n));
if (failFrom && n >= Number(failFrom)) {
  process.stdout.write(${JSON.stringify(PARTIAL)});
  console.error('token helper: cannot reach the vault');
  process.exit(5);
}
fetch(url + '/api/thirdparty/auth', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: ${JSON.stringify(KEY)}, api_secret: ${JSON.stringify(SECRET)} }) })
  .then((r) => { const t = r.headers.get('gn-access-token'); fs.appendFileSync(aside + '/printed', t + '\\n'); console.log(t); });
`;

let sim: Simulator;
let dir: string;
let aside: string;
const runs: { label: string; result: CliResult }[] = [];

async function cli(label: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const result = await runCli(args, { cwd: dir, env: { GENUIN_API_URL: sim.url, LOG_LEVEL: 'trace', ...env } });
  runs.push({ label, result });
  return result;
}
const code = (label: string) => runs.find((r) => r.label === label)?.result.code;
const command = (failFrom?: number) => `"${process.execPath}" "${join(aside, 'token.cjs')}" "${aside}" "${sim.url}"${failFrom ? ` ${failFrom}` : ''}`;

function allFiles(root: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (statSync(path).isDirectory()) out.push(...allFiles(path));
    else out.push({ path, text: readFileSync(path, 'latin1') });
  }
  return out;
}

/** Every text a run left: stdout and stderr of each, and each file in its directory but .env (which holds them by design). */
function everything(): { where: string; text: string }[] {
  const texts = runs.flatMap(({ label, result }) => [
    { where: `${label}: stdout`, text: result.stdout },
    { where: `${label}: stderr`, text: result.stderr },
  ]);
  for (const f of allFiles(dir)) if (!f.path.endsWith('/.env')) texts.push({ where: f.path.slice(dir.length + 1), text: f.text });
  return texts;
}

beforeAll(async () => {
  sim = await startSimulator({ apiKey: KEY, apiSecret: SECRET, tokenTtlRequests: 3 });
  dir = tempDir('genuin-token-secrets-');
  aside = tempDir('genuin-token-aside-');
  writeFileSync(join(aside, 'token.cjs'), TOKEN_SCRIPT);
  writeFileSync(join(dir, 'key.yaml'), manifest('k', 4));
  writeFileSync(join(dir, 'cmd.yaml'), manifest('c', 4));
  writeFileSync(join(dir, 'late.yaml'), manifest('l', 3));
  const common = ['--rate', '500/s', '--concurrency', '3', '--log-level', 'trace'];
  // 1. Key and secret from .env; tokens expire every 3 creates; one group answer is an error page, one a 500.
  writeFileSync(join(dir, '.env'), `GENUIN_API_KEY=${KEY}\nGENUIN_API_SECRET="${SECRET}"\n`);
  chmodSync(join(dir, '.env'), 0o600);
  sim.injectNext('502-html', { endpoint: 'group' });
  await cli('apply, key+secret from .env, trace log file, --json', ['apply', 'key.yaml', '--json', '--log-file', 'key.log', ...common]);
  writeFileSync(join(dir, '.env'), '');
  // 2. A wrong secret: stopped at the auth request.
  await cli('apply, wrong secret', ['apply', 'cmd.yaml', '--log-file', 'wrong.log', ...common], { GENUIN_API_KEY: KEY, GENUIN_API_SECRET: WRONG_SECRET });
  // 3. The token command, refreshed on every expiry; debug on stderr.
  await cli('apply, token command', ['apply', 'cmd.yaml', '--no-progress', '--log-file', 'cmd.log', ...common], { GENUIN_ACCESS_TOKEN_COMMAND: command() });
  // 4. A token command that fails on its first refresh, after printing part of something.
  writeFileSync(join(aside, 'runs'), '0');
  await cli('apply, token command failing on refresh', ['apply', 'late.yaml', '--json', '--log-file', 'late.log', ...common], { GENUIN_ACCESS_TOKEN_COMMAND: command(2) });
  // 5. Everything that reads the ledger and prints.
  await cli('report json', ['report', '--format', 'json']);
  await cli('report csv file', ['report', '--format', 'csv', '--out', 'report.csv']);
  await cli('report failed', ['report', '--failed', '--format', 'json', 'key.yaml', 'cmd.yaml', 'late.yaml']);
  await cli('plan --json', ['plan', 'key.yaml', 'cmd.yaml', 'late.yaml', '--json', '--detail'], { GENUIN_API_KEY: KEY, GENUIN_API_SECRET: SECRET });
}, 120_000);

afterAll(async () => {
  await sim.close();
});

describe('the key, the secret, the command output and every token appear nowhere a run leaves words', () => {
  it('the runs did what they are meant to: tokens obtained and refreshed, failures stopped the runs', () => {
    expect(code('apply, key+secret from .env, trace log file, --json')).toBe(1); // the group behind the 502 page is in doubt
    expect(code('apply, wrong secret')).toBe(3);
    expect(runs.find((r) => r.label === 'apply, wrong secret')!.result.stderr).toMatch(/Brand not exists/);
    expect(code('apply, token command')).toBe(0);
    expect(code('apply, token command failing on refresh')).toBe(3);
    expect(runs.find((r) => r.label === 'apply, token command failing on refresh')!.result.stderr).toMatch(/exit code 5: token helper: cannot reach the vault/);
    const printed = readFileSync(join(aside, 'printed'), 'utf8').split('\n').filter(Boolean);
    expect(printed.length).toBeGreaterThanOrEqual(5);
    expect(sim.state.counts.tokensIssued).toBeGreaterThan(printed.length); // the key+secret run's own tokens too
    expect(sim.state.counts.byStatus['401']).toBeGreaterThanOrEqual(5);
    // trace really was on: request lines reached the log files
    for (const log of ['key.log', 'cmd.log', 'late.log']) expect(readFileSync(join(dir, log), 'utf8'), log).toMatch(/"status":200/);
    expect(allFiles(dir).map((f) => f.path.slice(dir.length + 1))).toEqual(
      expect.arrayContaining(['genuin-ledger.jsonl', 'key.log', 'wrong.log', 'cmd.log', 'late.log', 'report.csv']),
    );
  });

  it.each([
    ['the API secret', SECRET],
    ['the wrong secret', WRONG_SECRET],
    ['the API key', KEY],
    ["a failed command's stdout", PARTIAL],
  ])('%s', (_what, secret) => {
    for (const { where, text } of everything()) {
      for (const s of spellings(secret)) expect(text.includes(s), `${where} holds ${s}`).toBe(false);
    }
  });

  it('every token the command printed', () => {
    const printed = readFileSync(join(aside, 'printed'), 'utf8').split('\n').filter(Boolean);
    for (const { where, text } of everything()) {
      for (const token of printed) for (const s of spellings(token)) expect(text.includes(s), `${where} holds ${s}`).toBe(false);
    }
  });

  it('any token the simulator issued (from the auth endpoint, to either source)', () => {
    for (const { where, text } of everything()) expect(text.match(SIM_TOKEN)?.[0], where).toBeUndefined();
  });
});
