// The access token never leaves the process except in the Authorization header of a request to
// the configured API. Every way a run can speak is exercised against the simulator (trace and
// debug logs, --json, --log-file, error answers, a rejected token, reports, plan, validate,
// compaction, a crash, a kill -9), then everything it produced is searched for the token.
import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { runCli, tempDir, type CliResult } from '../helpers/cli.js';

const TOKEN = 'gn-SECRET-7c1e4b9a2f5d8e3c6b1a4f7e';
/** A token the server rejects: it must not be echoed either. */
const WRONG_TOKEN = 'gn-WRONG-0d3f6a9c2e5b8d1f4a7c0e3b';

/** Every spelling of a secret that could end up somewhere. */
function spellings(secret: string): string[] {
  return [secret, secret.slice(4, 20), Buffer.from(secret).toString('base64'), encodeURIComponent(secret), `Bearer ${secret.slice(0, 6)}`];
}

const MANIFEST = `version: 1
defaults:
  community: { type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }
  group: { type: 4 }
communities:
  - handle: alpha
    name: Alpha
    groups:
      - group: { name: Talk, members: [{ phone_number: "919876543210" }] }
      - group: { name: Music }
      - group: { name: Art }
  - handle: beta
    name: Beta
`;

const MORE = `version: 1
communities:
${Array.from({ length: 12 }, (_, i) => `  - { handle: more-${i}, name: More ${i}, type: 1, actions: [] }`).join('\n')}
`;

/** Throws from inside the HTTP layer on the second request: an uncaught crash mid-run. */
const CRASH_PRELOAD = `const http = require('node:http');
const add = http.Agent.prototype.addRequest;
let n = 0;
http.Agent.prototype.addRequest = function (...args) {
  if (++n === 2) setImmediate(() => { throw new Error('forced crash in the HTTP layer'); });
  return add.apply(this, args);
};
`;

let sim: Simulator;
let dir: string;
const runs: { label: string; result: CliResult }[] = [];

async function cli(label: string, args: string[], env: Record<string, string> = {}, extra: Parameters<typeof runCli>[1] = {}): Promise<CliResult> {
  const result = await runCli(args, { cwd: dir, env, ...extra });
  runs.push({ label, result });
  return result;
}

/** Every file under `root`, recursively, with its bytes. */
function allFiles(root: string): { path: string; text: string; mode: number }[] {
  const out: { path: string; text: string; mode: number }[] = [];
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    const st = statSync(path);
    if (st.isDirectory()) out.push(...allFiles(path));
    else out.push({ path, text: readFileSync(path, 'latin1'), mode: st.mode & 0o777 });
  }
  return out;
}

beforeAll(async () => {
  sim = await startSimulator({ token: TOKEN });
  dir = tempDir('genuin-secrets-');
  writeFileSync(join(dir, 'm.yaml'), MANIFEST);
  writeFileSync(join(dir, 'more.yaml'), MORE);
  writeFileSync(join(dir, 'crash.cjs'), CRASH_PRELOAD);
  // 1. The token from .env only (owner-only, as it should be); trace logs to a file, --json.
  writeFileSync(join(dir, '.env'), `GENUIN_API_URL=${sim.url}\nGENUIN_ACCESS_TOKEN="${TOKEN}"\n`);
  chmodSync(join(dir, '.env'), 0o600);
  sim.injectNext('502-html', { endpoint: 'community' });
  sim.injectNext('empty-200', { endpoint: 'group' });
  sim.injectNext('redirect', { endpoint: 'group' });
  await cli('apply, .env token, trace log file, --json', ['apply', 'm.yaml', '--json', '--log-file', 'run.log', '--log-level', 'trace', '--rate', '200/s'], { LOG_LEVEL: 'trace' });
  // 2. The token from the environment; debug logs on stderr; a re-send of the group in doubt.
  await cli('apply, env token, debug on stderr', ['apply', 'm.yaml', '--retry-in-doubt', '--no-progress', '--rate', '200/s'], { LOG_LEVEL: 'debug', GENUIN_ACCESS_TOKEN: TOKEN });
  // 3. A token the server rejects (401): the run stops, naming the variable, not its value.
  await cli('apply, rejected token', ['apply', 'more.yaml', '--json', '--rate', '200/s', '--log-level', 'trace'], { GENUIN_ACCESS_TOKEN: WRONG_TOKEN, LOG_LEVEL: 'trace' });
  // 4. Everything that reads the ledger or the manifests and prints.
  await cli('report json', ['report', '--format', 'json']);
  await cli('report csv file', ['report', '--format', 'csv', '--out', 'report.csv']);
  await cli('report failed', ['report', '--failed', '--format', 'json', 'm.yaml']);
  await cli('plan --json', ['plan', 'm.yaml', 'more.yaml', '--json', '--detail'], { LOG_LEVEL: 'trace' });
  await cli('validate --json', ['validate', 'm.yaml', '--json'], { LOG_LEVEL: 'trace' });
  // 5. A crash inside the HTTP layer, mid-run, at trace level.
  await cli('apply, forced crash', ['apply', 'more.yaml', '--log-file', 'crash.log', '--rate', '200/s'], { LOG_LEVEL: 'trace', NODE_OPTIONS: `--require ${join(dir, 'crash.cjs')}` });
  // 6. kill -9 while requests are in flight: what is left on disk (ledger, lock file).
  sim.configure({ latencyMs: 300 });
  await cli('apply, kill -9', ['apply', 'more.yaml', '--rate', '200/s', '--concurrency', '4'], { LOG_LEVEL: 'trace' }, {
    onSpawn: (child) => {
      const poll = setInterval(() => {
        if (sim.state.snapshot().counts.requests > 0) {
          clearInterval(poll);
          child.kill('SIGKILL');
        }
      }, 10);
      child.once('exit', () => clearInterval(poll));
    },
  });
  sim.configure({ latencyMs: 0 });
  await cli('ledger compact after the kill', ['ledger', 'compact', '--ledger', 'genuin-ledger.jsonl']);
}, 120_000);

afterAll(async () => {
  await sim.close();
});

describe('the access token appears nowhere a run leaves words', () => {
  it('the runs really used it: the server holds what they created', () => {
    const state = sim.state.snapshot();
    expect(state.communities.map((c) => c.handle)).toEqual(expect.arrayContaining(['alpha', 'beta']));
    expect(state.groups.length).toBeGreaterThanOrEqual(2);
    expect(state.counts.byStatus['401']).toBeGreaterThanOrEqual(1);
    // Each run did what its label says, so each speaks the way it is meant to be tested.
    const code = (label: string) => runs.find((r) => r.label === label)?.result.code;
    expect(code('apply, .env token, trace log file, --json')).toBe(1); // a group in doubt, one failed
    expect(code('apply, rejected token')).toBe(3);
    expect(runs.find((r) => r.label === 'apply, rejected token')!.result.stderr).toMatch(/GENUIN_ACCESS_TOKEN/);
    expect(code('apply, forced crash')).not.toBe(0);
    expect(runs.find((r) => r.label === 'apply, forced crash')!.result.stderr).toMatch(/forced crash in the HTTP layer/);
    expect(runs.find((r) => r.label === 'apply, kill -9')!.result.signal).toBe('SIGKILL');
    // Trace and debug really were on: request lines reached the log file and stderr.
    expect(readFileSync(join(dir, 'run.log'), 'utf8')).toMatch(/"level":10|"level":20|"level":30/);
  });

  it.each([
    ['the accepted token', TOKEN],
    ['the rejected token', WRONG_TOKEN],
  ])('%s: not in any stdout or stderr', (_what, secret) => {
    for (const { label, result } of runs) {
      for (const s of spellings(secret)) {
        expect(result.stdout.includes(s), `${label}: stdout holds ${s}`).toBe(false);
        expect(result.stderr.includes(s), `${label}: stderr holds ${s}`).toBe(false);
      }
    }
  });

  it.each([
    ['the accepted token', TOKEN],
    ['the rejected token', WRONG_TOKEN],
  ])('%s: in no file the runs wrote (ledger, logs, reports, lock, compaction)', (_what, secret) => {
    const files = allFiles(dir).filter((f) => !f.path.endsWith('/.env'));
    expect(files.map((f) => f.path.slice(dir.length + 1))).toEqual(expect.arrayContaining(['genuin-ledger.jsonl', 'run.log', 'crash.log', 'report.csv']));
    for (const f of files) {
      for (const s of spellings(secret)) expect(f.text.includes(s), `${f.path} holds ${s}`).toBe(false);
    }
  });

  it('phone numbers from the manifest are not in the logs either', () => {
    for (const log of ['run.log', 'crash.log']) expect(readFileSync(join(dir, log), 'utf8')).not.toContain('919876543210');
  });

  it('the ledger and the report are owner-only (0600)', () => {
    const modes = Object.fromEntries(allFiles(dir).map((f) => [f.path.slice(dir.length + 1), f.mode]));
    expect(modes['genuin-ledger.jsonl']).toBe(0o600);
    expect(modes['report.csv']).toBe(0o600);
    // A lock file left by the killed run (if compaction has not replaced it) is owner-only too.
    for (const [name, mode] of Object.entries(modes)) if (name.endsWith('.lock')) expect(mode, name).toBe(0o600);
  });
});
