// The operator's view of a run, driven as a user would: in a pseudo-terminal (util-linux
// `script`), through a pipe, from cron (--max-duration, nothing to do). What was created is
// always read from the simulator's state.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulatorWorkspace } from '../helpers/workspace.js';
import { BIN, runCli, type CliResult } from '../helpers/cli.js';

const TOKEN = 'ux-token-3b8e1d40';
const ws = simulatorWorkspace(TOKEN);

const env = ws.env;
const ledger = () => join(ws.dir, 'ledger.jsonl');

/** A CSV of `n` communities; handles starting `sim-412-` are refused by the simulator. */
function communities(n: number, failing = 0): string {
  const lines = ['handle,name,type,actions'];
  for (let i = 0; i < n; i++) lines.push(`${i < failing ? 'sim-412-' : ''}c${i},C ${i},1,3:5`);
  const path = join(ws.dir, `c${n}.csv`);
  writeFileSync(path, lines.join('\n'));
  return path;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs the CLI on a pseudo-terminal: `script` gives the child a tty for stdout and stderr. */
function runInPty(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  const childEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TERM: 'xterm', ...env(), ...extraEnv };
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', `stty cols 120 2>/dev/null; exec ${command}`, '/dev/null'], { cwd: ws.dir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** What a terminal shows at the end: apply each "lift and erase" the way the terminal would. */
function screen(raw: string): string[] {
  const lines: string[] = [];
  let current = '';
  // Lift sequences are written as \r ESC[nA ESC[0J; everything else here is text or colour.
  const tokens = raw.replace(/\r\n/g, '\n').split(/(\r\x1b\[\d+A\x1b\[0J|\r\x1b\[0J|\n)/);
  for (const t of tokens) {
    const lift = /^\r\x1b\[(\d+)A\x1b\[0J$/.exec(t);
    if (lift) {
      lines.splice(lines.length - Number(lift[1]));
      current = '';
    } else if (t === '\r\x1b[0J') current = '';
    else if (t === '\n') {
      lines.push(current);
      current = '';
    } else current += t;
  }
  if (current) lines.push(current);
  return lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
}

describe('progress on a terminal', () => {
  it('draws a live bar per kind, keeps log lines intact above it, and ends with the summary', async () => {
    const manifest = communities(12, 2);
    const r = await runInPty(['apply', manifest, '--ledger', ledger(), '--rate', '20/s']);
    expect(r.code).toBe(1); // two refused
    expect(ws.sim.state.snapshot().communities).toHaveLength(10);
    // Redrawn in place: the cursor goes up over the bar, which is then erased.
    expect(r.stdout).toMatch(/\x1b\[\d+A\x1b\[0J/);
    expect(r.stdout).toMatch(/communities +[█░]+ +\d+\/12/);
    const shown = screen(r.stdout);
    // The final frame stays: all done, two failed, then the summary under it.
    const bar = shown.findIndex((l) => /^communities /.test(l));
    expect(shown[bar]).toMatch(/12\/12 100%.*done.*failed 2/);
    expect(shown.slice(bar + 1).join('\n')).toMatch(/created 10, .*failed 2/);
    // The warn lines about the refusals are whole lines, not mixed into a bar line.
    const warnings = shown.filter((l) => /WARN/.test(l));
    expect(warnings).toHaveLength(2);
    for (const w of warnings) {
      expect(w).not.toMatch(/[█░]/);
      expect(w).toMatch(/"key":"sim-412-c[01]"/);
    }
  });

  it('--quiet shows the summary only; --no-progress shows no bar; NO_COLOR means no colour', async () => {
    const manifest = communities(4);
    const quiet = await runInPty(['apply', manifest, '--ledger', ledger(), '--rate', '50/s', '--quiet']);
    expect(quiet.code).toBe(0);
    expect(screen(quiet.stdout).filter(Boolean)).toEqual([expect.stringMatching(/^created 4, /), expect.stringMatching(/^4 requests in /)]);

    const more = communities(5);
    const plain = await runInPty(['apply', more, '--ledger', ledger(), '--rate', '50/s', '--no-progress'], { NO_COLOR: '1' });
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toMatch(/[█░]/);
    expect(plain.stdout).not.toContain('\x1b');
    expect(plain.stdout).toMatch(/created 1, already done 4/);

    const colour = await runInPty(['apply', communities(6), '--ledger', ledger(), '--rate', '50/s']);
    expect(colour.stdout).toMatch(/\x1b\[32m█/);
    const noColour = await runInPty(['apply', communities(7), '--ledger', ledger(), '--rate', '50/s'], { NO_COLOR: '1' });
    expect(noColour.stdout).toMatch(/communities +█/);
    expect(noColour.stdout).not.toMatch(/\x1b\[\d*(;\d+)*m/);
    expect(ws.sim.state.snapshot().communities).toHaveLength(7);
  });
});

describe('progress without a terminal (cron, CI, pipes)', () => {
  it('writes a plain progress line every --progress-interval, with no control characters', async () => {
    const manifest = communities(14);
    const r = await runCli(['apply', manifest, '--ledger', ledger(), '--rate', '8/s', '--progress-interval', '200ms'], { env: env(), cwd: ws.dir });
    expect(r.code).toBe(0);
    expect(ws.sim.state.snapshot().communities).toHaveLength(14);
    const progress = r.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((l) => String(l.msg).startsWith('progress:'));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    const last = progress.at(-1);
    expect(last.msg).toMatch(/^progress: communities \d+\/14 \(\d+%\) [\d.]+\/s (ETA \d+:\d\d|done)/);
    expect(last.communities).toMatchObject({ total: 14, failed: 0, in_doubt: 0 });
    expect(last.run).toEqual(expect.any(String));
    // Done counts only grow.
    const done = progress.map((l) => l.communities.done);
    expect([...done].sort((a, b) => a - b)).toEqual(done);
    // eslint-disable-next-line no-control-regex
    const control = /[\x00-\x08\x0b-\x1f\x7f]/;
    expect(r.stdout).not.toMatch(control);
    expect(r.stderr).not.toMatch(control);
  });

  it('with --log-file, progress lines and request lines go to the file; the token never does', async () => {
    const manifest = communities(6, 1);
    const log = join(ws.dir, 'run.log');
    const r = await runCli(['apply', manifest, '--ledger', ledger(), '--rate', '10/s', '--progress-interval', '200ms', '--log-file', log, '--log-level', 'debug'], {
      env: env(),
      cwd: ws.dir,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const requests = lines.filter((l) => l.attempt !== undefined);
    expect(requests).toHaveLength(ws.sim.state.snapshot().counts.requests);
    for (const l of requests) {
      expect(l).toEqual(expect.objectContaining({ run: expect.any(String), kind: 'community', key: expect.any(String), attempt: 1, status: expect.any(Number), duration_ms: expect.any(Number) }));
    }
    expect(requests.find((l) => l.key === 'sim-412-c0')).toMatchObject({ level: 40, status: 412, outcome: 'failed' });
    expect(lines.some((l) => String(l.msg).startsWith('progress:'))).toBe(true);
    expect(lines.at(-1)).toMatchObject({ msg: 'run finished', created: 5, failed: 1 });
    expect(readFileSync(log, 'utf8')).not.toContain(TOKEN);
  });
});

describe('request log lines', () => {
  it('retries are debug; a retry that used up --retries is a warn line, and the run counts it failed', async () => {
    ws.sim.configure({ faults: { '503-json': 1 } });
    const log = join(ws.dir, 'run.log');
    const r = await runCli(['apply', communities(3), '--ledger', ledger(), '--rate', '50/s', '--retries', '1', '--log-file', log, '--json'], { env: env(), cwd: ws.dir });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ failed: 3, created: 0 });
    expect(ws.sim.state.snapshot().counts.requests).toBe(6);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const gaveUp = lines.filter((l) => l.msg === 'failed: gave up after 1 retries');
    expect(gaveUp.map((l) => l.key).sort()).toEqual(['c0', 'c1', 'c2']);
    for (const l of gaveUp) expect(l).toMatchObject({ level: 40, attempt: 2, status: 503, outcome: 'failed' });
    expect(lines.filter((l) => l.msg === 'will retry')).toHaveLength(0); // debug, below the default level
  });
});

describe('cron', () => {
  it('--max-duration stops starting work on time, exits 1, and the next run finishes the job', async () => {
    const manifest = communities(60);
    const r = await runCli(['apply', manifest, '--ledger', ledger(), '--rate', '10/s', '--max-duration', '1s', '--json'], { env: env(), cwd: ws.dir });
    expect(r.code).toBe(1);
    const summary = JSON.parse(r.stdout);
    expect(summary.stopped).toBe('max-duration');
    const held = ws.sim.state.snapshot().communities.length;
    // At 10/s the whole run takes 6 s; stopped after 1 s it holds about 10.
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(60);
    expect(summary.created).toBe(held);
    expect(summary.not_started).toBe(60 - held);
    expect(r.stderr).toMatch(/stopped at --max-duration: run the same command again to continue/);

    const again = await runCli(['apply', manifest, '--ledger', ledger(), '--rate', '100/s'], { env: env(), cwd: ws.dir });
    expect(again.code).toBe(0);
    const state = ws.sim.state.snapshot();
    expect(state.communities).toHaveLength(60);
    expect(new Set(state.communities.map((c) => c.handle)).size).toBe(60);
  });

  it('apply with nothing to do is fast and silent apart from the summary', async () => {
    const manifest = communities(20);
    expect((await runCli(['apply', manifest, '--ledger', ledger(), '--rate', '200/s'], { env: env(), cwd: ws.dir })).code).toBe(0);
    const requests = ws.sim.state.snapshot().counts.requests;
    const r = await runCli(['apply', manifest, '--ledger', ledger()], { env: env(), cwd: ws.dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^created 0, already done 20, /), expect.stringMatching(/^0 requests in /)]);
    expect(ws.sim.state.snapshot().counts.requests).toBe(requests);
  });
});
