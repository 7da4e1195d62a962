// The ledger lock: one writer per ledger file, across processes and overlapping cron jobs. An
// O_EXCL lock file next to the ledger's real file names its holder; a holder that is provably
// gone (dead pid on this host) is replaced; a holder whose lock is taken from it is told at once.
import { randomUUID } from 'node:crypto';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { LedgerError } from '../errors.js';
import { removeCompactLeftovers } from './leftovers.js';
import { realLedgerPath } from './real-path.js';

export interface LockOptions {
  /** Told when a stale lock is taken over, or when ours was replaced before release. */
  onWarning?: (message: string) => void;
  /** Clock for `started` and for the age of a garbled lock file. Default: `() => new Date()`. */
  now?: () => Date;
  /**
   * Told once, as soon as a periodic check sees the lock lost while held: the lock file removed
   * or replaced, or the ledger file moved or replaced. The holder must stop writing at once:
   * another process may now take the lock and use the ledger. Giving it starts the check.
   */
  onLost?: (reason: string) => void;
  /** How often the check runs while `onLost` is given. Default 500 ms. */
  watchIntervalMs?: number;
}

/** Releases the lock; removes the lock file only if it is still ours. Safe to call twice. */
export type ReleaseLock = () => Promise<void>;

/** A held lock. Calling it releases it (as `release` does). */
export interface LedgerLock extends ReleaseLock {
  readonly release: ReleaseLock;
  /** The lock file: `<real path of the ledger>.lock`. */
  readonly file: string;
  /** The ledger's real path (symlinks and `..` resolved): the file to read, rewrite and sync. */
  readonly ledger: string;
  /** Rejects with a LedgerError naming what happened if the lock is lost (checks now). */
  assertHeld(): Promise<void>;
  /** Why the lock was lost, once a check has seen it; undefined while held. */
  readonly lost: string | undefined;
}

/** The ledger is locked by another run that is alive (or mid-write): `apply --skip-if-locked` exits 4 on it. */
export class LockHeldError extends LedgerError {
  override name = 'LockHeldError';
}

/** The LedgerError for a lost lock: `reason`, what the holder did about it, and the danger. */
export function lockLostError(reason: string, consequence?: string): LedgerError {
  return new LedgerError(`${reason}${consequence ? `: ${consequence}` : ''}; another process may be using this ledger`);
}

interface FileId {
  dev: number;
  ino: number;
}

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
 * Takes the exclusive lock of the ledger at `ledgerPath`, or throws a LedgerError naming who
 * holds it. A lock left by a process that no longer exists on this host (or a garbled lock file
 * older than 10 s) is taken over, with a warning. Once held, temporary files left by an
 * interrupted compaction are removed.
 *
 * The lock belongs to the ledger's real file, not to the path text: it is `<real path>.lock`
 * (see realLedgerPath), so a symlink, a relative path or a `..` spelling of one ledger all meet
 * at one lock file, also across hosts sharing the file system. A hard link is the one name no
 * path leads back from (the other names of an inode cannot be found), so a ledger file with more
 * than one link is refused outright: any run through any of its names then stops before sending,
 * even one whose link was made while another run held the lock.
 */
export async function acquireLock(ledgerPath: string, options: LockOptions = {}): Promise<LedgerLock> {
  let real: string;
  try {
    real = await realLedgerPath(ledgerPath);
  } catch (error) {
    throw new LedgerError(`cannot lock ledger ${ledgerPath}: ${(error as Error).message}`);
  }
  const file = `${real}.lock`;
  const now = options.now ?? (() => new Date());
  const host = hostname();
  // The token makes "is it still ours?" exact even for a pid reused after a crash.
  const content = JSON.stringify({ pid: process.pid, host, started: now().toISOString(), token: randomUUID() }) + '\n';

  const inUse = (seen: Seen): LockHeldError => {
    const info = seen.state === 'held' ? seen.info : seen.state === 'missing' ? undefined : parseLock(seen.text);
    if (info) {
      const { pid, host: h, started } = info;
      return new LockHeldError(
        `ledger ${ledgerPath} is in use by pid ${pid} on ${h} since ${started} (lock file ${file}); wait for that run or remove the lock if it is gone`,
      );
    }
    return new LockHeldError(
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
    const id = await create(file, content);
    if (id) {
      if (tookOver) options.onWarning?.(tookOver);
      const lock = held({ ledgerPath, real, file, content, id }, options);
      try {
        await refuseHardLinks(ledgerPath, real);
        await lock.assertHeld(); // notes which file the ledger is now, so replacing it later shows
        await removeCompactLeftovers(real, options.onWarning);
      } catch (error) {
        await lock.release().catch(() => undefined);
        throw error;
      }
      return lock;
    }
    const seen = await inspect();
    if (seen.state === 'missing' && attempt < 3) continue; // released between our open and read
    // Take over once: if the lock is there again after that, someone else took it first.
    if (seen.state !== 'stale' || tookOver) throw inUse(seen);
    await breakStaleLock(file, seen.text);
    tookOver = `taking over stale lock ${file} ${seen.why}`;
  }
}

/** Refuses a ledger file that has other names (hard links): the lock could not cover them. */
async function refuseHardLinks(ledgerPath: string, real: string): Promise<void> {
  let links: number;
  try {
    links = (await stat(real)).nlink;
  } catch (error) {
    if (errno(error) === 'ENOENT') return; // a new ledger: nothing links to it yet
    throw new LedgerError(`cannot read ledger ${ledgerPath}: ${(error as Error).message}`);
  }
  if (links > 1) {
    throw new LedgerError(
      `ledger ${ledgerPath} has ${links} names (hard links), and a lock covers one name: two runs could share it; keep one name (make the others symlinks, or copy the file) and run again`,
    );
  }
}

/** Creates the lock file with O_EXCL; undefined if it exists, else the new file's identity. */
async function create(file: string, content: string): Promise<FileId | undefined> {
  let handle;
  try {
    handle = await open(file, 'wx', 0o600);
  } catch (error) {
    if (errno(error) === 'EEXIST') return undefined;
    throw new LedgerError(`cannot create lock file ${file}: ${(error as Error).message}`);
  }
  let id: FileId;
  try {
    await handle.writeFile(content, 'utf8');
    const { dev, ino } = await handle.stat();
    id = { dev, ino };
    await handle.close();
  } catch (error) {
    // Do not leave an empty lock behind: it would block every run for 10 s.
    await handle.close().catch(() => undefined);
    await unlink(file).catch(() => undefined);
    throw new LedgerError(`cannot write lock file ${file}: ${(error as Error).message}`);
  }
  return id;
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

interface Held {
  ledgerPath: string;
  real: string;
  file: string;
  content: string;
  /** The lock file we created: a file with our content but another identity is a copy, not ours. */
  id: FileId;
}

const sameFile = (a: FileId, b: FileId): boolean => a.dev === b.dev && a.ino === b.ino;

/** The held lock: its release, its check, and (with `onLost`) the periodic check. */
function held(h: Held, options: LockOptions): LedgerLock {
  const { ledgerPath, real, file, content } = h;
  let released = false;
  let lost: string | undefined;
  /** The ledger file under the lock, once it exists: replacing or moving it loses the lock too. */
  let ledgerId: FileId | undefined;
  let timer: NodeJS.Timeout | undefined;

  /** Whether the lock file is still the one we created, with our text. */
  const lockFile = async (): Promise<'ours' | 'removed' | 'replaced'> => {
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if (errno(error) === 'ENOENT') return 'removed';
      throw error;
    }
    try {
      const [{ dev, ino }, text] = await Promise.all([handle.stat(), handle.readFile('utf8')]);
      return text === content && sameFile({ dev, ino }, h.id) ? 'ours' : 'replaced';
    } finally {
      await handle.close();
    }
  };

  /** Why the lock is lost, or undefined if it is still ours. Throws on errors that prove nothing. */
  const check = async (): Promise<string | undefined> => {
    const seen = await lockFile();
    if (seen !== 'ours') return `lock file ${file} was ${seen} while this run held it`;
    let now: FileId;
    try {
      const { dev, ino } = await stat(real);
      now = { dev, ino };
    } catch (error) {
      if (errno(error) !== 'ENOENT') throw error;
      // Not created yet is fine; gone after it existed means moved or removed under us.
      return ledgerId === undefined ? undefined : `ledger ${ledgerPath} was moved or removed while this run held its lock`;
    }
    ledgerId ??= now;
    return sameFile(now, ledgerId) ? undefined : `ledger ${ledgerPath} was replaced by another file while this run held its lock`;
  };

  const markLost = (reason: string): void => {
    if (lost !== undefined || released) return;
    lost = reason;
    if (timer) clearInterval(timer);
    options.onLost?.(reason);
  };

  if (options.onLost) {
    let checking = false;
    timer = setInterval(() => {
      if (checking || lost !== undefined || released) return;
      checking = true;
      check()
        .then((reason) => reason !== undefined && markLost(reason))
        // A read error proves nothing (a full table of open files, a slow network mount): look again next time.
        .catch(() => undefined)
        .finally(() => (checking = false));
    }, options.watchIntervalMs ?? 500);
    timer.unref();
  }

  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    if (timer) clearInterval(timer);
    // A lost lock was reported when it was seen: say nothing more here.
    const warn = lost === undefined ? options.onWarning : undefined;
    let seen;
    try {
      seen = await lockFile();
    } catch (error) {
      throw new LedgerError(`cannot read lock file ${file}: ${(error as Error).message}`);
    }
    if (seen === 'removed') {
      warn?.(`lock file ${file} was removed while this run held it`);
      return;
    }
    if (seen === 'replaced') {
      warn?.(`lock file ${file} was replaced by another process while this run held it; leaving it`);
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

  const assertHeld = async (): Promise<void> => {
    if (lost === undefined) {
      let reason: string | undefined;
      try {
        reason = await check();
      } catch (error) {
        throw new LedgerError(`cannot check lock file ${file}: ${(error as Error).message}`);
      }
      if (reason !== undefined) markLost(reason);
      lost ??= reason; // also after release, so the answer is the truth
    }
    if (lost !== undefined) throw lockLostError(lost);
  };

  return Object.defineProperties(Object.assign(() => release(), { release, assertHeld, file, ledger: real }), {
    lost: { get: () => lost, enumerable: true },
  }) as LedgerLock;
}
