// Runs one measured child process: wall time from spawn to exit, and (for node children) the
// CPU time and peak RSS the child reports about itself through probe.js.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, ROOT, outDir } from './common.js';

const PROBE = pathToFileURL(join(ROOT, 'bench', 'lib', 'probe.js')).href;
let seq = 0;

/**
 * @param {string[]} args  node arguments after the probe (script and its arguments)
 * @param {{env?: object, cwd?: string, timeoutMs?: number, onSpawn?: (child) => void, stdin?: string, nodeArgs?: string[]}} opts
 */
export function runNode(args, opts = {}) {
  const probeFile = join(outDir('probe'), `${process.pid}-${++seq}.json`);
  rmSync(probeFile, { force: true });
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...opts.env, BENCH_PROBE: probeFile };
  return run(process.execPath, [...(opts.nodeArgs ?? []), '--import', PROBE, ...args], { ...opts, env }).then((r) => {
    if (existsSync(probeFile)) {
      const p = JSON.parse(readFileSync(probeFile, 'utf8'));
      r.cpuMs = (p.userUs + p.systemUs) / 1000;
      r.userMs = p.userUs / 1000;
      r.systemMs = p.systemUs / 1000;
      r.maxRssMB = p.maxRssKB / 1024;
      rmSync(probeFile, { force: true });
    }
    return r;
  });
}

/** The CLI as a user runs it. */
export function runCli(args, opts = {}) {
  return runNode([BIN, ...args], { cwd: outDir('work'), ...opts });
}

/** Any command; resolves with code, signal, wallMs, stdout, stderr. Never rejects on a non-zero exit. */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? outDir(),
      env: opts.env ?? { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: [opts.stdin !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: Boolean(opts.detached),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d.length + stdout.length > 4e6 ? '' : d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += stderr.length > 1e6 ? '' : d));
    if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
    const timer = setTimeout(() => kill(child), opts.timeoutMs ?? 600_000);
    opts.onSpawn?.(child);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, wallMs: performance.now() - started, stdout, stderr });
    });
  });
}

/** SIGKILL a child we started (and, if it leads a process group, that group). */
export function kill(child, signal = 'SIGKILL') {
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}
