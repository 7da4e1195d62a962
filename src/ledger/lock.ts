// The ledger lock: one writer per ledger file, across processes, PID namespaces and hosts. An
// O_EXCL lock file next to the ledger's real file names its holder and where it runs; a holder
// proven gone (its pid free in this very PID namespace and boot) is replaced; one that cannot be
// proven gone is replaced only on a person's word, once its heartbeat has stood still.
import { randomUUID } from 'node:crypto';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { LedgerError, LockHeldError, StaleLockError } from '../errors.js';
import { removeCompactLeftovers } from './leftovers.js';
import { realClock, snapshot, watchHeartbeat, type LockClock, type Snapshot } from './lock-heartbeat.js';
import { held, type FileId, type LedgerLock } from './lock-held.js';
import { judge, lockText, ownPlace, parseHolder, pidAlive, type Holder } from './lock-holder.js';
import { realLedgerPath } from './real-path.js';

export { lockLostError, type LedgerLock, type ReleaseLock } from './lock-held.js';
export type { LockClock } from './lock-heartbeat.js';

export interface LockOptions {
  /** Told when a stale lock is taken over (unless `onTakeover` is given), or when ours was replaced before release. */
  onWarning?: (message: string) => void;
  /** Told, instead of `onWarning`, when a lock is taken over from another holder. */
  onTakeover?: (message: string) => void;
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
  /** How often the holder rewrites its heartbeat while it holds the lock. Default 5 s. */
  heartbeatMs?: number;
  /**
   * How long a taker watches a holder it cannot judge by pid (another PID namespace, boot or
   * host) before calling its heartbeat stopped: at least this, and at least 3 of the holder's own
   * heartbeat intervals. Default 30 s.
   */
  staleAfterMs?: number;
  /**
   * A person's word that the holder is gone (`ledger unlock`): a holder not proven dead is taken
   * over once its heartbeat has stood still for `staleAfterMs`. Without it, such a holder is
   * refused with a StaleLockError naming `ledger unlock`.
   */
  takeStale?: boolean;
  /** Told when this process starts watching a holder's heartbeat (it may wait up to `staleAfterMs`). */
  onWaiting?: (message: string) => void;
  /** The taker's monotonic clock for watching a heartbeat. Default: performance.now and timers. */
  clock?: LockClock;
}

export { LockHeldError, StaleLockError } from '../errors.js';

/** A lock file that is not JSON is being written right now, or was left garbled: stale after this. */
const GARBLED_STALE_MS = 10_000;
/** How long to keep re-reading a lock file that is empty or garbled (a racer writing it). */
const GARBLED_WAIT_MS = 250;
/** How long to wait for another process that is taking over a stale lock at this moment. */
const BREAKER_WAIT_MS = 2_000;
const HEARTBEAT_MS = 5_000;
const STALE_AFTER_MS = 30_000;
/** How often a taker looks at a heartbeat it watches. */
const POLL_MS = 500;
/** A holder's stated heartbeat interval counts up to this (a garbled value must not stall takers for days). */
const MAX_HOLDER_HEARTBEAT_MS = 10 * 60_000;
/** Lock files found gone or replaced while deciding, before this run gives up. */
const MAX_ATTEMPTS = 5;

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Takes the exclusive lock of the ledger at `ledgerPath`, or throws a LedgerError naming who
 * holds it. A holder proven gone (its pid free in this PID namespace, this boot, this host; see
 * judge) or a garbled lock file older than 10 s is taken over, with a warning. A holder that
 * cannot be proven gone is watched: a heartbeat that moves is a LockHeldError; one that stands
 * still for `staleAfterMs` is a StaleLockError, or with `takeStale` (a person's word) taken
 * over. Once held, temporary files left by an interrupted compaction are removed.
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
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  // The token makes "is it still ours?" exact even for a pid reused after a crash.
  const me = { ...ownPlace(), pid: process.pid, started: (options.now ?? (() => new Date()))().toISOString(), token: randomUUID(), heartbeatMs };
  const content = lockText(me);
  const taker = new Taker(ledgerPath, file, options);

  let tookOver: string | undefined;
  for (let attempt = 0; ; attempt++) {
    const id = await create(file, content);
    if (id) {
      if (tookOver) (options.onTakeover ?? options.onWarning)?.(tookOver);
      return settle(held({ ledgerPath, real, file, content, id }, { ...options, heartbeatMs }), ledgerPath, real, options);
    }
    // Take over once: if the lock is there again after that, someone else took it first.
    if (tookOver) throw taker.heldBy(await taker.inspect());
    const next = await taker.decide();
    if (next === 'again') {
      if (attempt >= MAX_ATTEMPTS) throw taker.heldBy(await taker.inspect());
      continue;
    }
    await breakStaleLock(file, next.text);
    tookOver = next.warning;
  }
}

/** Checks a lock just taken (hard links, that it is ours), and tidies what a compaction left; releases it on failure. */
async function settle(lock: LedgerLock, ledgerPath: string, real: string, options: LockOptions): Promise<LedgerLock> {
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

type Seen =
  | { state: 'missing' }
  | { state: 'holder'; snap: Snapshot; holder: Holder }
  | { state: 'garbled'; snap: Snapshot; stale: boolean };

/** What to do about a lock file found there: look again, or take over the one with `text` (and say `warning`). */
type Next = 'again' | { text: string; warning: string };

/** The taker's side: reads a lock file that is in the way and decides what may be done about it. */
class Taker {
  private readonly clock: LockClock;

  constructor(
    private readonly ledgerPath: string,
    private readonly file: string,
    private readonly options: LockOptions,
  ) {
    this.clock = options.clock ?? realClock;
  }

  /** Reads the lock file. A garbled one is re-read for a moment (a racer may be mid-write) and is stale only if old and unchanged meanwhile. */
  async inspect(): Promise<Seen> {
    const now = this.options.now ?? (() => new Date());
    const start = this.clock.now();
    let first: Snapshot | undefined;
    for (;;) {
      let snap: Snapshot | undefined;
      try {
        snap = await snapshot(this.file);
      } catch (error) {
        throw new LedgerError(`cannot read lock file ${this.file}: ${(error as Error).message}`);
      }
      if (!snap) return { state: 'missing' };
      const holder = parseHolder(snap.text);
      if (holder) return { state: 'holder', snap, holder };
      first ??= snap;
      if (this.clock.now() - start >= GARBLED_WAIT_MS) {
        // The age by this clock against the file's mtime is a coarse test (another host's clock
        // differs): unchanged while watched is what says no racer is writing it.
        const same = snap.text === first.text && snap.mtimeMs === first.mtimeMs && snap.ino === first.ino;
        return { state: 'garbled', snap, stale: same && now().getTime() - snap.mtimeMs > GARBLED_STALE_MS };
      }
      await this.clock.sleep(25);
    }
  }

  /** Judges the lock file in the way: 'again' (it went away or changed hands), a takeover, or throws. */
  async decide(): Promise<Next> {
    const seen = await this.inspect();
    if (seen.state === 'missing') return 'again'; // released between our open and read
    if (seen.state === 'garbled') {
      if (!seen.stale) throw this.heldBy(seen);
      return { text: seen.snap.text, warning: `taking over stale lock ${this.file} that is garbled and older than ${GARBLED_STALE_MS / 1000} s` };
    }
    const { holder, snap } = seen;
    const verdict = judge(holder, ownPlace(), pidAlive);
    if (verdict.kind === 'gone') {
      return { text: snap.text, warning: `taking over stale lock ${this.file} left by pid ${holder.pid} (started ${holder.started})` };
    }
    if (verdict.kind === 'alive' && !this.options.takeStale) throw this.heldBy(seen);
    const where = verdict.kind === 'unknown' ? verdict.where : `in this PID namespace, whose pid is taken (by it, or by a process that reused it)`;
    return this.watch(holder, snap, where);
  }

  /** Watches the heartbeat of a holder not proven gone: alive, stood still (taken on a person's word), or changed hands. */
  private async watch(holder: Holder, snap: Snapshot, where: string): Promise<Next> {
    const stillForMs = Math.max(this.options.staleAfterMs ?? STALE_AFTER_MS, 3 * Math.min(holder.heartbeatMs ?? 0, MAX_HOLDER_HEARTBEAT_MS));
    const secs = `${Math.round(stillForMs / 1000)} s`;
    const held = `${this.heldText(holder)}, a run ${where}`;
    this.options.onWaiting?.(`${held}: watching its heartbeat for up to ${secs}`);
    const seen = await watchHeartbeat(this.file, snap, { stillForMs, clock: this.clock, pollMs: POLL_MS });
    if (seen === 'released' || seen === 'replaced') return 'again';
    if (seen === 'moved') throw new LockHeldError(`${held}, whose heartbeat is alive; wait for that run`);
    if (!this.options.takeStale) {
      const beat = holder.heartbeatMs === undefined ? 'it keeps no heartbeat (an older version)' : `its heartbeat has not moved for ${secs}`;
      throw new StaleLockError(
        `${held}, so this run cannot prove it gone, and ${beat}; if no run is using this ledger, take the lock over with: genuin-provision ledger unlock --ledger ${this.ledgerPath}`,
      );
    }
    return { text: snap.text, warning: `taking over lock ${this.file} of pid ${holder.pid} on ${holder.host} since ${holder.started}, a run ${where}: its heartbeat stood still for ${secs}, and a person said it is gone` };
  }

  private heldText(h: Holder): string {
    return `ledger ${this.ledgerPath} is in use by pid ${h.pid} on ${h.host} since ${h.started} (lock file ${this.file})`;
  }

  /** The LockHeldError for what was seen last in the way. */
  heldBy(seen: Seen): LockHeldError {
    if (seen.state === 'holder') {
      return new LockHeldError(`${this.heldText(seen.holder)}; wait for that run (if it is gone: genuin-provision ledger unlock --ledger ${this.ledgerPath})`);
    }
    return new LockHeldError(
      `ledger ${this.ledgerPath} is in use (lock file ${this.file} is ${seen.state === 'missing' ? 'changing hands' : 'being written or is garbled'}); wait for that run or remove the lock if it is gone`,
    );
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
