// Runs the built CLI with its readers going away: stdout and/or stderr closed at the start or
// after their first chunk, the way `| head -1` and `2>&1 | head` close a pipe under a run.
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from '../helpers/cli.js';

/** When to close a stream's read side: before the child writes anything, or after its first chunk. */
export type CloseAt = 'start' | 'first-chunk';

export interface ClosingOptions {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout?: CloseAt;
  stderr?: CloseAt;
  /** `2>&1 | head`: both streams closed after the first chunk on either. */
  both?: boolean;
  timeoutMs?: number;
  onSpawn?: (child: ChildProcess) => void;
}

export interface ClosingResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What was read before each stream was closed. */
  stdout: string;
  stderr: string;
}

export function runClosing(args: string[], options: ClosingOptions): Promise<ClosingResult> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1' };
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) env[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const read = { stdout: '', stderr: '' };
    const closeBoth = () => {
      child.stdout.destroy();
      child.stderr.destroy();
    };
    for (const name of ['stdout', 'stderr'] as const) {
      const stream = child[name];
      stream.setEncoding('utf8');
      if (options[name] === 'start') {
        stream.destroy();
        continue;
      }
      stream.on('data', (d: string) => {
        read[name] += d;
        if (options.both) closeBoth();
        else if (options[name] === 'first-chunk') stream.destroy();
      });
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    options.onSpawn?.(child);
    child.on('error', reject);
    // 'exit', not 'close': the read sides closed here would otherwise be waited for too.
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ...read });
    });
  });
}
