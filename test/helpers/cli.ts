// Runs the CLI as a user would: the same arguments, environment variables and files. A process of
// its own when the test needs one (signals, a run beside another, a hang to kill); otherwise the
// CLI's `main` in this process (test/helpers/in-process-cli.ts), as a process start costs more CPU
// than most commands do. GENUIN_TEST_SPAWN=1 spawns every run, to check the two agree.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'genuin-provision.cjs');
export const MANIFESTS = join(ROOT, 'manifests');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
  /** Called once the child is running, e.g. to send it signals. Implies `spawn`. */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void;
  /**
   * A child process even without `onSpawn`: for what only a process shows (exit by
   * process.exit, a closed pipe, a TTY, memory) and for runs that must overlap (in-process runs
   * take turns).
   */
  spawn?: boolean;
}

// Read by Node itself when a process starts, so only a process of its own honours them.
const AT_START = ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'];

export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const atStart = AT_START.some((k) => options.env?.[k] !== undefined);
  if (options.spawn || options.onSpawn || atStart || process.env.GENUIN_TEST_SPAWN === '1') return spawnCli(args, options);
  const { runCliInProcess } = await import('./in-process-cli.js');
  return runCliInProcess(args, { cwd: options.cwd ?? tempDir(), env: options.env });
}

/** The built binary in a child process. */
export function spawnCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1' };
  for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) env[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? tempDir(), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    options.onSpawn?.(child);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A fresh directory under the test run's scratch root (test/helpers/scratch-root.ts removes it). */
export function tempDir(prefix = 'genuin-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
