// Paths, flags and small helpers shared by every bench script.
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'genuin-provision.cjs');
export const DIST = join(ROOT, 'dist');
/** Generated inputs and scratch files (gitignored). */
export const OUT = join(ROOT, 'bench', '.out');
export const TOKEN = 'bench-token';

export function outDir(...parts) {
  const dir = join(OUT, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** `--quick`, `--only a,b`, `--result file.json`, `--no-build`. */
export function parseFlags(argv = process.argv.slice(2)) {
  const flags = { quick: false, only: undefined, result: undefined, build: true, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') flags.quick = true;
    else if (a === '--no-build') flags.build = false;
    else if (a === '--keep') flags.keep = true;
    else if (a === '--only') flags.only = argv[++i].split(',');
    else if (a.startsWith('--only=')) flags.only = a.slice(7).split(',');
    else if (a === '--result') flags.result = argv[++i];
    else throw new Error(`unknown flag ${a} (known: --quick, --only a,b, --no-build, --keep)`);
  }
  return flags;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Newest mtime (ms) of any file under `dir` whose name passes `test`. */
export function newestMtime(dir, test = () => true) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p, test));
    else if (test(entry.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

export function fmt(n, digits = 2) {
  if (n === undefined || n === null || Number.isNaN(n)) return '–';
  if (typeof n !== 'number') return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(digits);
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * One row of the final table. `ratio` is measured / baseline (both from this run); `target`
 * says which way is good, e.g. '<= 1.3' or '>= 0.98'.
 */
export function row({ target, case: name, measured, baseline, ratio, goal, note = '' }) {
  let ok;
  if (goal && ratio !== undefined && !Number.isNaN(ratio)) {
    const [op, v] = goal.split(' ');
    ok = op === '<=' ? ratio <= Number(v) : ratio >= Number(v);
  }
  return { target, case: name, measured, baseline, ratio, goal: goal ?? '', ok, note };
}
