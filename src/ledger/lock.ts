// The ledger lock: one writer per ledger, across processes and overlapping cron jobs. An O_EXCL
// lock file names its holder; a holder that is provably gone (dead pid on this host) is replaced.
import { randomUUID } from 'node:crypto';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { LedgerError } from '../errors.js';

export interface LockOptions {
  /** Told when a stale lock is taken over, or when ours was replaced before release. */
  onWarning?: (message: string) => void;
  /** Clock for `started` and for the age of a garbled lock file. Default: `() => new Date()`. */
  now?: () => Date;
}

/** Releases the lock; removes the lock file only if it is still ours. Safe to call twice. */
export type ReleaseLock = () => Promise<void>;

interface LockInfo {
  pid: number;
  host: string;
  started: string;
}

/** A lock file that is not JSON is being written right now, or was left garbled: stale after this. */
const GARBLED_STALE_MS = 10_000;
/** How long to keep re-reading a lock file that is empty or garbled but young (a racer writing it). */
const GARBLED_WAIT_MS = 250;
/** How long to wait for another process that is taking over a stale lock at this moment. */
const BREAKER_WAIT_MS = 2_000;

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function parseLock(text: string): LockInfo | undefined {
  try {
    const o = JSON.parse(text);
    if (o && typeof o.pid === 'number' && Number.isInteger(o.pid) && o.pid > 0 && typeof o.host === 'string') {
      return { pid: o.pid, host: o.host, started: typeof o.started === 'string' ? o.started : '?' };
    }
  } catch {
    // garbled
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else. Only ESRCH proves it is gone.
    return errno(error) !== 'ESRCH';
  }
}

type Seen =
  | { state: 'missing' }
  | { state: 'held'; text: string; info: LockInfo }
  | { state: 'stale'; text: string; why: string }
  | { state: 'garbled'; text: string };

/**
 * Takes the exclusive lock `${ledgerPath}.lock`, or throws a LedgerError naming who holds it.
 * A lock left by a process that no longer exists on this host (or a garbled lock file older
 * than 10 s) is taken over, with a warning.
 */
export async function acquireLock(ledgerPath: string, options: LockOptions = {}): Promise<ReleaseLock> {
  const file = `${ledgerPath}.lock`;
  const now = options.now ?? (() => new Date());
  const host = hostname();
  // The token makes "is it still ours?" exact even for a pid reused after a crash.
  const content = JSON.stringify({ pid: process.pid, host, started: now().toISOString(), token: randomUUID() }) + '\n';

  const inUse = (seen: Seen): LedgerError => {
    const info = seen.state === 'held' ? seen.info : seen.state === 'missing' ? undefined : parseLock(seen.text);
    if (info) {
      const { pid, host: h, started } = info;
      return new LedgerError(
        `ledger ${ledgerPath} is in use by pid ${pid} on ${h} since ${started} (lock file ${file}); wait for that run or remove the lock if it is gone`,
      );
    }
    return new LedgerError(
      `ledger ${ledgerPath} is in use (lock file ${file} is being written or is garbled); wait for that run or remove the lock if it is gone`,
    );
  };

  /** Reads the lock file and judges it. A young garbled file is re-read for a moment: a racer may be mid-write. */
  const inspect = async (): Promise<Seen> => {
    const deadline = Date.now() + GARBLED_WAIT_MS;
    for (;;) {
      let text: string;
      let mtimeMs: number;
      try {
        [text, { mtimeMs }] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
      } catch (error) {
        if (errno(error) === 'ENOENT') return { state: 'missing' };
        throw new LedgerError(`cannot read lock file ${file}: ${(error as Error).message}`);
      }
      const info = parseLock(text);
      if (info) {
        if (info.host === host && !isAlive(info.pid)) {
          return { state: 'stale', text, why: `left by pid ${info.pid} (started ${info.started})` };
        }
        return { state: 'held', text, info };
      }
      if (now().getTime() - mtimeMs > GARBLED_STALE_MS) {
        return { state: 'stale', text, why: `that is garbled and older than ${GARBLED_STALE_MS / 1000} s` };
      }
      if (Date.now() >= deadline) return { state: 'garbled', text };
      await sleep(25);
    }
  };

  let tookOver: string | undefined;
  for (let attempt = 0; ; attempt++) {
    if (await create(file, content)) {
      if (tookOver) options.onWarning?.(tookOver);
      return releaser(file, content, options);
    }
    const seen = await inspect();
    if (seen.state === 'missing' && attempt < 3) continue; // released between our open and read
    // Take over once: if the lock is there again after that, someone else took it first.
    if (seen.state !== 'stale' || tookOver) throw inUse(seen);
    await breakStaleLock(file, seen.text);
    tookOver = `taking over stale lock ${file} ${seen.why}`;
  }
}

/** Creates the lock file with O_EXCL; false if it exists. */
async function create(file: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'wx', 0o600);
  } catch (error) {
    if (errno(error) === 'EEXIST') return false;
    throw new LedgerError(`cannot create lock file ${file}: ${(error as Error).message}`);
  }
  try {
    await handle.writeFile(content, 'utf8');
    await handle.close();
  } catch (error) {
    // Do not leave an empty lock behind: it would block every run for 10 s.
    await handle.close().catch(() => undefined);
    await unlink(file).catch(() => undefined);
    throw new LedgerError(`cannot write lock file ${file}: ${(error as Error).message}`);
  }
  return true;
}

/**
 * Removes a stale lock file, but only the very one judged stale. Two processes may judge the
 * same file stale at once: without care, the slower one would remove the lock the faster one
 * has just created. So removal is itself serialized by a second O_EXCL file (`.break`): only
 * its holder may remove the lock, and only after re-reading it under that guard.
 */
async function breakStaleLock(file: string, staleText: string): Promise<void> {
  const breaker = `${file}.break`;
  const deadline = Date.now() + BREAKER_WAIT_MS;
  for (;;) {
    try {
      await (await open(breaker, 'wx', 0o600)).close();
      break;
    } catch (error) {
      if (errno(error) !== 'EEXIST') {
        throw new LedgerError(`cannot create lock file ${breaker}: ${(error as Error).message}`);
      }
    }
    // Someone else is taking over right now (that takes milliseconds). Let them finish; our
    // retry of the lock then finds their fresh lock. A breaker that outlives the wait was left
    // by a process that died mid-take-over: removing it automatically could let two processes
    // both break, so a person must.
    if (Date.now() >= deadline) {
      throw new LedgerError(
        `cannot take over stale lock ${file}: ${breaker} has existed for over ${BREAKER_WAIT_MS / 1000} s; if no run is active, remove both files`,
      );
    }
    await sleep(20);
    try {
      if ((await readFile(file, 'utf8')) !== staleText) return; // already taken over
    } catch (error) {
      if (errno(error) === 'ENOENT') return;
      throw new LedgerError(`cannot read lock file ${file}: ${(error as Error).message}`);
    }
  }
  try {
    let current: string | undefined;
    try {
      current = await readFile(file, 'utf8');
    } catch (error) {
      if (errno(error) !== 'ENOENT') throw error;
    }
    if (current === staleText) await unlink(file);
  } catch (error) {
    throw new LedgerError(`cannot remove stale lock file ${file}: ${(error as Error).message}`);
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

function releaser(file: string, content: string, options: LockOptions): ReleaseLock {
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    let current: string;
    try {
      current = await readFile(file, 'utf8');
    } catch (error) {
      if (errno(error) === 'ENOENT') {
        options.onWarning?.(`lock file ${file} was removed while this run held it`);
        return;
      }
      throw new LedgerError(`cannot read lock file ${file}: ${(error as Error).message}`);
    }
    if (current !== content) {
      options.onWarning?.(`lock file ${file} was replaced by another process while this run held it; leaving it`);
      return;
    }
    try {
      await unlink(file);
    } catch (error) {
      if (errno(error) !== 'ENOENT') {
        throw new LedgerError(`cannot remove lock file ${file}: ${(error as Error).message}`);
      }
    }
  };
}
