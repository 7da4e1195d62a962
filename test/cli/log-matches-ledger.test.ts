// One outcome, one word (issue 20, finding 5): for the same run, every item's last request line
// in --log-file says what its ledger line says; a renewed token is no `fatal` warning in a run
// that ends 0; and --quiet, being about the terminal, leaves the log file its progress lines.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLedger } from '../../src/ledger/replay.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { runCli, tempDir } from '../helpers/cli.js';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator({ token: 'unused', seed: 20, tokenTtlRequests: 12 });
});
afterEach(() => sim.close());

function manifest(dir: string, n: number): string {
  const communities = Array.from({ length: n }, (_, i) => `  - handle: lg${i}\n    name: Log ${i}\n    groups:\n      - group: { name: A${i} }\n      - group: { name: B${i} }\n`);
  const path = join(dir, `m${n}.yaml`);
  const text = `version: 1\ndefaults:\n  community: { type: 1, actions: [{ action_id: 3, access_type_id: 5 }] }\n  group: { type: 4 }\ncommunities:\n${communities.join('')}`;
  writeFileSync(path, text);
  return path;
}

type LogLine = { level: number; msg: string; kind?: string; key?: string; outcome?: string; figures?: unknown };

function apply(dir: string, files: string[], ledger: string, extra: string[]) {
  return runCli(['apply', ...files, '--ledger', ledger, '--rate', '200/s', '--concurrency', '4', '--retries', '2', ...extra], {
    env: { GENUIN_API_URL: sim.url, GENUIN_API_KEY: 'sim-key', GENUIN_API_SECRET: 'sim-secret' },
    cwd: dir,
  });
}

describe('the log and the ledger of one run say the same', () => {
  it('every item: its last request line in the log carries the status its ledger line records; renewals are not fatal', async () => {
    const dir = tempDir('genuin-loglines-');
    // Two communities already on the server (made through another ledger): they answer 5216.
    const earlier = await apply(dir, [manifest(dir, 2)], join(dir, 'other.jsonl'), ['--no-progress']);
    expect(earlier.code).toBe(0);
    sim.configure({ faults: { '502-html': 0.15, '503-json': 0.15, 'reset-after': 0.1 } });
    const log = join(dir, 'apply.log');
    const ledger = join(dir, 'ledger.jsonl');
    const r = await apply(dir, [manifest(dir, 12)], ledger, ['--log-file', log, '--log-level', 'debug', '--quiet']);
    expect([0, 1]).toContain(r.code);

    const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine);
    const state = await readLedger(ledger);
    const last = new Map<string, LogLine>();
    for (const l of lines) if (l.key !== undefined && l.outcome !== undefined) last.set(`${l.kind} ${l.key}`, l);
    expect(last.size).toBeGreaterThan(20);
    const disagree: string[] = [];
    for (const [item, line] of last) {
      const [kind, key] = item.split(' ') as ['community' | 'group', string];
      const status = state.get(kind, key)?.status;
      if (line.outcome !== status) disagree.push(`${item}: log ${line.outcome} (${line.msg}), ledger ${status}`);
    }
    expect(disagree).toEqual([]);
    // The mix the run met: something created, exists, in doubt, and tokens renewed.
    const statuses = new Set([...last.values()].map((l) => l.outcome));
    expect(statuses).toContain('created');
    expect(statuses).toContain('exists');
    expect(sim.state.snapshot().counts.tokensIssued).toBeGreaterThan(2);
    // A renewal is a resend, said at debug, with the renewal itself at info: never a `fatal` word.
    expect(lines.filter((l) => l.outcome === 'fatal' || l.msg === 'fatal')).toEqual([]);
    expect(lines.some((l) => /access token renewed/.test(l.msg))).toBe(true);
  }, 60_000);

  it('--quiet with --log-file: the terminal gets the summary only, the log file its progress lines', async () => {
    const dir = tempDir('genuin-loglines-');
    sim.configure({ latencyMs: { min: 20, max: 40 } });
    const log = join(dir, 'apply.log');
    const r = await apply(dir, [manifest(dir, 20)], join(dir, 'ledger.jsonl'), ['--log-file', log, '--quiet', '--progress-interval', '100ms', '--rate', '40/s']);
    expect(r.code).toBe(0);
    const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine);
    expect(lines.filter((l) => l.msg.startsWith('progress: ')).length).toBeGreaterThan(0);
    expect(r.stderr).toBe('');
  }, 60_000);
});
