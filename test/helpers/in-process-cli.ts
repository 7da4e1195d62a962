// Runs the CLI's own `main(argv)` inside the test process: the same commands, files and words as
// the binary, without starting a Node process per run (runCli in test/helpers/cli.ts comes here
// unless a test needs a process: most of npm test's several hundred CLI runs).
//
// `main` reads the working directory, process.env (cached once per process, as a CLI may) and
// writes to process.stdout/stderr, so a call here gets a fresh copy of the CLI's modules, its own
// directory and environment, and captured streams; calls queue up, one at a time. Needs the
// forks pool (process.chdir is not allowed in worker threads). A crash (main rejecting) comes
// back as code null with the error's stack on stderr, as the binary would print it.
// Not for what only a process shows: signals, exit codes set by process.exit, a closed pipe,
// memory peaks, a TTY, two runs at once. Those tests spawn the binary (test/helpers/cli.ts).
import { vi } from 'vitest';
import { BIN, type CliResult } from './cli.js';

export interface InProcessOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

let queue: Promise<unknown> = Promise.resolve();

export function runCliInProcess(args: string[], options: InProcessOptions): Promise<CliResult> {
  const run = queue.then(() => runNow(args, options));
  queue = run.catch(() => {});
  return run;
}

async function runNow(args: string[], options: InProcessOptions): Promise<CliResult> {
  const savedEnv = { ...process.env };
  const savedCwd = process.cwd();
  // The environment the spawned binary gets (test/helpers/cli.ts): nothing of the tester's own.
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, { PATH: savedEnv.PATH ?? '', HOME: savedEnv.HOME ?? '', NO_COLOR: '1' });
  for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) process.env[k] = v;
  process.chdir(options.cwd);
  // Each fresh copy of the CLI listens for errors on both streams (src/stdio.ts) and, for apply,
  // for signals: a process would end with them; here they go when the call does.
  const listening = { stdout: process.stdout.listeners('error'), stderr: process.stderr.listeners('error') };
  const signalled = new Map(SIGNALS.map((s) => [s, process.listeners(s)]));

  let stdout = '';
  let stderr = '';
  const capture = (into: (s: string) => void) => (chunk: unknown, ...rest: unknown[]) => {
    into(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture((s) => (stdout += s)) as typeof process.stdout.write);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture((s) => (stderr += s)) as typeof process.stderr.write);
  try {
    vi.resetModules();
    const { main } = await import('../../src/cli/main.js');
    let code: number | null;
    try {
      code = await main([process.execPath, BIN, ...args]);
    } catch (error) {
      stderr += `${(error as Error)?.stack ?? String(error)}\n`;
      code = null;
    }
    return { code, signal: null, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    for (const name of ['stdout', 'stderr'] as const) {
      for (const l of process[name].listeners('error')) if (!listening[name].includes(l)) process[name].off('error', l as (e: Error) => void);
    }
    for (const [s, before] of signalled) for (const l of process.listeners(s)) if (!before.includes(l)) process.off(s, l);
    process.chdir(savedCwd);
    for (const k of Object.keys(process.env)) delete process.env[k];
    Object.assign(process.env, savedEnv);
  }
}
