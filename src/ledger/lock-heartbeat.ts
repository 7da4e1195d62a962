// The taker's side of the lock's heartbeat: a holder rewrites a counter in its lock file every few
// seconds; a taker that cannot judge the holder by its pid watches for that change. Age is what
// the taker itself sees pass on its own clock, never the holder's timestamps against it (clocks of
// two hosts disagree, and on NFS a file's mtime comes from the server's).
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseHolder } from './lock-holder.js';

/** A monotonic clock in milliseconds, and a way to wait on it (tests pass a manual one). */
export interface LockClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: LockClock = { now: () => performance.now(), sleep: (ms) => sleep(ms) };

/** The lock file as read at one moment. */
export interface Snapshot {
  text: string;
  mtimeMs: number;
  dev: number;
  ino: number;
}

/**
 * Reads the lock file through a fresh open: on NFS, opening is what makes a client ask the
 * server again (close-to-open consistency) instead of answering from its attribute cache.
 * Undefined if there is none.
 */
export async function snapshot(file: string): Promise<Snapshot | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const [{ mtimeMs, dev, ino }, text] = await Promise.all([handle.stat(), handle.readFile('utf8')]);
    return { text, mtimeMs, dev, ino };
  } finally {
    await handle.close();
  }
}

/**
 * What watching a lock file showed: `moved` (its heartbeat changed: the holder is alive), `still`
 * (unchanged for the whole time asked), `released` (the file went away), `replaced` (another
 * file, or another holder's, is there now: judge it afresh).
 */
export type Watched = 'moved' | 'still' | 'released' | 'replaced';

export interface WatchOptions {
  /** How long the file must stay unchanged, by `clock`, to be `still`. */
  stillForMs: number;
  clock: LockClock;
  /** How often to look. */
  pollMs: number;
}

/** Watches the lock file first seen as `first` until it changes or `stillForMs` has passed. */
export async function watchHeartbeat(file: string, first: Snapshot, options: WatchOptions): Promise<Watched> {
  const { clock, stillForMs, pollMs } = options;
  const token = parseHolder(first.text)?.token;
  const start = clock.now();
  for (;;) {
    const left = stillForMs - (clock.now() - start);
    if (left <= 0) return 'still';
    await clock.sleep(Math.min(pollMs, left));
    const seen = await snapshot(file);
    if (!seen) return 'released';
    if (seen.dev !== first.dev || seen.ino !== first.ino) return 'replaced';
    if (seen.text === first.text && seen.mtimeMs === first.mtimeMs) continue;
    // Rewritten in place: the same holder's beat, unless a person or a tool wrote another holder.
    const now = parseHolder(seen.text);
    return now && now.token !== token ? 'replaced' : 'moved';
  }
}
