// A ledger lock while it is held: its heartbeat (proof of life that a taker in another PID
// namespace or on another host can see), the check that it is still ours, and its release.
import { open, stat, unlink, type FileHandle } from 'node:fs/promises';
import { LedgerError } from '../errors.js';
import { beatDigits, beatOffset, parseHolder } from './lock-holder.js';

/** Releases the lock; removes the lock file only if it is still ours. Safe to call twice. */
export type ReleaseLock = () => Promise<void>;

/** A held lock. */
export interface LedgerLock {
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

/** The LedgerError for a lost lock: `reason`, what the holder did about it, and the danger. */
export function lockLostError(reason: string, consequence?: string): LedgerError {
  return new LedgerError(`${reason}${consequence ? `: ${consequence}` : ''}; another process may be using this ledger`);
}

export interface FileId {
  dev: number;
  ino: number;
}

export const sameFile = (a: FileId, b: FileId): boolean => a.dev === b.dev && a.ino === b.ino;

export interface Held {
  ledgerPath: string;
  real: string;
  file: string;
  /** The text we wrote; its token tells ours from another holder's (the beat digits change). */
  content: string;
  /** The lock file we created: a file with our text but another identity is a copy, not ours. */
  id: FileId;
}

export interface HeldOptions {
  onWarning?: (message: string) => void;
  onLost?: (reason: string) => void;
  watchIntervalMs?: number;
  heartbeatMs: number;
}

/** Opens the lock file if it is still the one we created, with our token; else says what became of it. */
async function openOurs(h: Held, token: string | undefined, write: boolean): Promise<FileHandle | 'removed' | 'replaced'> {
  let handle;
  try {
    handle = await open(h.file, write ? 'r+' : 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'removed';
    throw error;
  }
  try {
    const [{ dev, ino }, text] = await Promise.all([handle.stat(), handle.readFile('utf8')]);
    if (sameFile({ dev, ino }, h.id) && parseHolder(text)?.token === token) return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
  await handle.close();
  return 'replaced';
}

/** The held lock: its release, its check, its heartbeat and (with `onLost`) the periodic check. */
export function held(h: Held, options: HeldOptions): LedgerLock {
  const lock = new HeldLock(h, options);
  const release = () => lock.release();
  const assertHeld = () => lock.assertHeld();
  return {
    release,
    assertHeld,
    file: h.file,
    ledger: h.real,
    get lost() {
      return lock.lost;
    },
  };
}

class HeldLock {
  private readonly token: string | undefined;
  private released = false;
  lost: string | undefined;
  /** Whether `onLost` was told (a loss seen by the heartbeat alone is told at release instead). */
  private told = false;
  /** The ledger file under the lock, once it exists: replacing or moving it loses the lock too. */
  private ledgerId: FileId | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private beats = 0;

  constructor(
    private readonly h: Held,
    private readonly options: HeldOptions,
  ) {
    this.token = parseHolder(h.content)?.token;
    // The heartbeat runs whenever the lock is held: a taker elsewhere has nothing else to go by.
    this.every(options.heartbeatMs, true);
    if (options.onLost) this.every(options.watchIntervalMs ?? 500, false);
  }

  /** Whether the lock file is still ours; with `beat`, its counter is advanced through the same open. */
  private async lockFile(beat = false): Promise<'ours' | 'removed' | 'replaced'> {
    const handle = await openOurs(this.h, this.token, beat);
    if (typeof handle === 'string') return handle;
    try {
      // Only the digits change: a reader never sees a half-written lock file.
      if (beat) await handle.write(beatDigits(++this.beats), beatOffset(this.h.content), 'utf8');
    } finally {
      await handle.close();
    }
    return 'ours';
  }

  /** Why the lock is lost, or undefined if it is still ours. Throws on errors that prove nothing. */
  private async check(beat = false): Promise<string | undefined> {
    const { file, real, ledgerPath } = this.h;
    const seen = await this.lockFile(beat);
    if (seen !== 'ours') return `lock file ${file} was ${seen} while this run held it`;
    let now: FileId;
    try {
      const { dev, ino } = await stat(real);
      now = { dev, ino };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // Not created yet is fine; gone after it existed means moved or removed under us.
      return this.ledgerId === undefined ? undefined : `ledger ${ledgerPath} was moved or removed while this run held its lock`;
    }
    this.ledgerId ??= now;
    return sameFile(now, this.ledgerId) ? undefined : `ledger ${ledgerPath} was replaced by another file while this run held its lock`;
  }

  private markLost(reason: string): void {
    if (this.lost !== undefined || this.released) return;
    this.lost = reason;
    for (const t of this.timers) clearInterval(t);
    if (this.options.onLost) {
      this.told = true;
      this.options.onLost(reason);
    }
  }

  /**
   * Runs `check` every `ms`, one at a time. A read error proves nothing (a full table of open
   * files, a slow network mount): look again next time.
   */
  private every(ms: number, beat: boolean): void {
    let checking = false;
    const timer = setInterval(() => {
      if (checking || this.lost !== undefined || this.released) return;
      checking = true;
      this.check(beat)
        .then((reason) => reason !== undefined && this.markLost(reason))
        .catch(() => undefined)
        .finally(() => (checking = false));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    for (const t of this.timers) clearInterval(t);
    const { file } = this.h;
    // A loss `onLost` was told of was reported when it was seen: say nothing more here.
    const warn = this.told ? undefined : this.options.onWarning;
    let seen;
    try {
      seen = await this.lockFile();
    } catch (error) {
      throw new LedgerError(`cannot read lock file ${file}: ${(error as Error).message}`);
    }
    if (seen === 'removed') return warn?.(`lock file ${file} was removed while this run held it`);
    if (seen === 'replaced') return warn?.(`lock file ${file} was replaced by another process while this run held it; leaving it`);
    try {
      await unlink(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new LedgerError(`cannot remove lock file ${file}: ${(error as Error).message}`);
      }
    }
  }

  async assertHeld(): Promise<void> {
    if (this.lost === undefined) {
      let reason: string | undefined;
      try {
        reason = await this.check();
      } catch (error) {
        throw new LedgerError(`cannot check lock file ${this.h.file}: ${(error as Error).message}`);
      }
      if (reason !== undefined) this.markLost(reason);
      this.lost ??= reason; // also after release, so the answer is the truth
    }
    if (this.lost !== undefined) throw lockLostError(this.lost);
  }
}
