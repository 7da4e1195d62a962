// One run of the built CLI as a child process, ended the way the scenario says: left to finish,
// signalled, or its output readers gone, at an instant counted in simulator requests (not time).
import { spawn } from 'node:child_process';
import type { Simulator } from '../../src/simulator/index.js';
import { BIN } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/in-process-cli.js';
import type { DatabaseStrike, Ending } from './generate.js';

export interface CliRun {
  label: string;
  args: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** API requests the simulator saw while the run lived. */
  requests: number;
  /** Answers by HTTP status while the run lived. */
  statuses: Record<string, number>;
  /** Whether the ending struck while the process still ran (a run may finish first). */
  struck: boolean;
  ending: Ending;
  /** Killed by the driver after `hangMs`: the run never ended. */
  hung: boolean;
  /** Wall-clock time of the run, for tuning how many cases fit in `npm test` (never asserted). */
  ms: number;
}

const COMPLETE: Ending = { kind: 'complete' };

export interface CliRunOptions {
  sim: Simulator;
  token: string;
  cwd: string;
  label: string;
  ending?: Ending;
  hangMs?: number;
  /** Strikes the run's PostgreSQL ledger (a `database` ending); the run's result waits for it to finish. */
  database?: (strike: DatabaseStrike) => Promise<unknown>;
}

/**
 * A run left to finish goes through the CLI's own `main` in this process (a process start costs
 * more CPU than most scenario runs do); one that is signalled or loses its readers needs a process
 * of its own, and so does every run when GENUIN_TEST_SPAWN=1 (the chaos suite sets it).
 */
export function runCliScenario(args: string[], o: CliRunOptions): Promise<CliRun> {
  const ending = o.ending ?? COMPLETE;
  if (ending.kind === 'complete' && process.env.GENUIN_TEST_SPAWN !== '1') return runInProcess(args, o);
  return runSpawned(args, o, ending);
}

function environment(o: CliRunOptions): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', GENUIN_API_URL: o.sim.url, GENUIN_ACCESS_TOKEN: o.token };
}

function answersSince(sim: Simulator, before: Record<string, number>): Record<string, number> {
  const statuses: Record<string, number> = {};
  for (const [k, n] of Object.entries(sim.state.counts.byStatus)) if (n !== (before[k] ?? 0)) statuses[k] = n - (before[k] ?? 0);
  return statuses;
}

async function runInProcess(args: string[], o: CliRunOptions): Promise<CliRun> {
  const before = o.sim.state.counts.requests;
  const started = performance.now();
  const statusesBefore = { ...o.sim.state.counts.byStatus };
  let timer: NodeJS.Timeout | undefined;
  // No process to kill: a hang is reported as one (the run itself is left behind).
  const hang = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), o.hangMs ?? 60_000)));
  const r = await Promise.race([runCliInProcess(args, { cwd: o.cwd, env: environment(o) }), hang]);
  clearTimeout(timer);
  const ran = r === 'hung' ? { code: null, signal: null, stdout: '', stderr: '' } : r;
  return { label: o.label, args, ...ran, requests: o.sim.state.counts.requests - before, statuses: answersSince(o.sim, statusesBefore), struck: false, ending: COMPLETE, hung: r === 'hung', ms: Math.round(performance.now() - started) };
}

function runSpawned(args: string[], o: CliRunOptions, ending: Ending): Promise<CliRun> {
  const env = environment(o);
  const before = o.sim.state.counts.requests;
  const started = performance.now();
  const statusesBefore = { ...o.sim.state.counts.byStatus };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: o.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let struck = false;
    let hung = false;
    let exited = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // Reading ends closed by us are not errors of the run.
    child.stdout.on('error', () => {});
    child.stderr.on('error', () => {});
    let striking: Promise<unknown> = Promise.resolve();
    const hang = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, o.hangMs ?? 60_000);

    if (ending.kind !== 'complete') {
      // The instant: once this run's (afterRequests+1)-th request reached the server, so the
      // CLI is past its start-up and the ending lands mid-run (unless the run is shorter).
      const target = before + ending.afterRequests + 1;
      const poll = setInterval(() => {
        if (exited) return clearInterval(poll);
        if (o.sim.state.counts.requests < target) return;
        clearInterval(poll);
        struck = true;
        if (ending.kind === 'signal') child.kill(ending.signal);
        else if (ending.kind === 'database') {
          if (!o.database) throw new Error('a database ending needs CliRunOptions.database');
          striking = o.database(ending.strike);
        } else {
          if (ending.streams !== 'stderr') child.stdout.destroy();
          if (ending.streams !== 'stdout') child.stderr.destroy();
        }
      }, 1);
    }

    child.on('error', reject);
    child.on('exit', () => (exited = true));
    child.on('close', async (code, signal) => {
      exited = true;
      clearTimeout(hang);
      // A restarted server is up again before the next run starts.
      await striking.catch(reject);
      resolve({ label: o.label, args, code, signal, stdout, stderr, requests: o.sim.state.counts.requests - before, statuses: answersSince(o.sim, statusesBefore), struck, ending, hung, ms: Math.round(performance.now() - started) });
    });
  });
}

function endingName(e: Exclude<Ending, { kind: 'complete' }>): string {
  if (e.kind === 'signal') return e.signal;
  if (e.kind === 'database') return e.strike === 'restart' ? 'database restart' : 'database sessions killed';
  return `closed ${e.streams}`;
}

/** One line about a run, for the scenario's log. */
export function runLine(r: CliRun): string {
  const how = r.hung ? 'HUNG (killed after the time limit)' : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
  const ended = r.ending.kind === 'complete' ? '' : r.struck ? ` [${endingName(r.ending)} struck]` : ' [ending never struck: run finished first]';
  const err = r.stderr
    .split('\n')
    .filter((l) => /^(error|warning)|WARN|ERROR|internal|^ {4}at |\.(csv|yaml):\d/i.test(l))
    .slice(0, 4)
    .map((l) => `\n      ${l.slice(0, 200)}`)
    .join('');
  const answers = Object.keys(r.statuses).length > 0 ? ` (answers ${Object.entries(r.statuses).map(([k, n]) => `${n}×${k}`).join(', ')})` : '';
  return `${r.label}: ${how}, ${r.requests} requests${answers}${ended}, ${r.ms} ms${err}`;
}
