// The scheduled rerun of a finished job, without reading a million items again: after a run that
// sent nothing, changed nothing and found everything done, a small record beside the ledger keeps
// a digest of all that run read (manifest bytes, settings, this code) and the ledger's mark; a
// run whose inputs and ledger are the same has the same answer and reuses it (docs/operations.md).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunConfig } from '../config/run-config.js';
import type { Plan, PlanCounts } from '../plan/plan.js';
import { isComplete, type RunSummary, type Tally } from '../run/summary.js';

/** Raised when the record's meaning changes: an older record is then not read. */
const FORMAT = 1;
/** Manifest sets kept per ledger (cron jobs sharing one ledger each keep theirs). */
const KEEP = 8;

/** What a hit restores: the counts the run that found everything done reported. */
interface SettledEntry {
  inputs: string;
  mark: string;
  run: string;
  at: string;
  tally: Tally;
  byKind: RunSummary['byKind'];
  rateFound?: number;
  counts: PlanCounts;
}

interface SettledFile {
  format: number;
  entries: SettledEntry[];
}

/** A run found settled: the run that last read everything, and when. */
export interface SettledHit {
  run: string;
  at: string;
}

/** Where a ledger's record is: beside a file ledger; in the user's cache for a database one. */
export function settledPath(store: { kind: 'file' | 'postgres'; name: string }, env: Record<string, string | undefined> = process.env): string {
  if (store.kind === 'file') return `${store.name}.settled`;
  const base = env.GENUIN_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'genuin-provision');
  return join(base, `ledger-${createHash('sha256').update(store.name).digest('hex').slice(0, 24)}.settled`);
}

/**
 * The digest of everything a plan reads besides the ledger: each manifest's path and bytes, the
 * settings (secrets only by their kind), the working directory, Node's version and this code's
 * files. undefined when a manifest is not a regular file (a pipe cannot be read twice).
 */
export async function inputsDigest(files: readonly string[], config: RunConfig): Promise<string | undefined> {
  const hash = createHash('sha256');
  const settings = {
    ...config,
    token: undefined,
    credentials: config.credentials?.source,
    proxy: config.proxy === undefined ? undefined : createHash('sha256').update(JSON.stringify(config.proxy)).digest('hex'),
  };
  hash.update(JSON.stringify({ format: FORMAT, cwd: process.cwd(), node: process.version, settings, code: await codeDigest() }));
  for (const file of files) {
    const path = resolve(file);
    try {
      if (!(await stat(path)).isFile()) return undefined;
      hash.update(`\0${path}\0`);
      // Streamed: a manifest of millions of rows is never held whole.
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    } catch {
      return undefined; // the plan says why
    }
  }
  return hash.digest('hex');
}

let code: Promise<string> | undefined;

/** This code's files by path, size and modification time: a rebuild or an upgrade is another code. */
function codeDigest(): Promise<string> {
  return (code ??= (async () => {
    const root = dirname(dirname(fileURLToPath(import.meta.url)));
    const hash = createHash('sha256');
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
    // Its dependencies as installed: an upgrade of one may change what a manifest means.
    files.push(join(root, '..', 'package.json'), join(root, '..', 'package-lock.json'));
    files.sort();
    for (const f of files) {
      const s = await stat(f).catch(() => undefined);
      if (s) hash.update(`${f}\0${s.size}\0${s.mtimeMs}\n`);
    }
    return hash.digest('hex');
  })());
}

/** The entry for these inputs whose ledger mark is the ledger's now, if any. */
export async function findSettled(path: string, inputs: string, mark: string): Promise<SettledEntry | undefined> {
  const file = await readSettled(path);
  return file.entries.find((e) => e.inputs === inputs && e.mark === mark);
}

/** Whether a finished run may be recorded as settled: it sent nothing, warned of nothing, and found everything done. */
export function settles(summary: RunSummary, plan: Plan, warnings: number): boolean {
  return (
    summary.requests === 0 &&
    warnings === 0 &&
    isComplete(summary) &&
    summary.unresolved.length === 0 &&
    plan.counts.drift === 0 &&
    plan.counts.moved === 0 &&
    plan.counts.create.community + plan.counts.create.group + plan.counts.adopt === 0
  );
}

/**
 * Records a settled run (replacing an older entry for the same inputs); written to a temp file and
 * renamed, mode 0600. A record that cannot be written costs the next run its shortcut, nothing more.
 */
export async function recordSettled(path: string, entry: Omit<SettledEntry, 'at'>, now = new Date()): Promise<void> {
  const file = await readSettled(path);
  const entries = [{ ...entry, at: now.toISOString() }, ...file.entries.filter((e) => e.inputs !== entry.inputs)].slice(0, KEEP);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(temp, JSON.stringify({ format: FORMAT, entries } satisfies SettledFile) + '\n', { mode: 0o600 });
    await rename(temp, path);
  } catch {
    // Nothing depends on it: the next run reads everything, as without it.
  }
}

/** The summary a hit reports: the settled run's counts, nothing sent, this run's id. */
export function settledSummary(entry: SettledEntry, runId: string, elapsedMs: number): RunSummary {
  return { runId, tally: entry.tally, byKind: entry.byKind, rateFound: entry.rateFound, requests: 0, throttled: 0, elapsedMs, requestRate: 0, unresolved: [], conflicts: [] };
}

/** The plan a hit stands for: the settled run's counts, no items (none was read). */
export function settledPlan(entry: SettledEntry): Plan {
  return { items: [], waiting: new Map(), counts: entry.counts };
}

async function readSettled(path: string): Promise<SettledFile> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<SettledFile>;
    if (parsed.format === FORMAT && Array.isArray(parsed.entries)) return { format: FORMAT, entries: parsed.entries };
  } catch {
    // Missing or unreadable: no shortcut.
  }
  return { format: FORMAT, entries: [] };
}
