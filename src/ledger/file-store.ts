// The JSON Lines file behind the ledger store interface: the existing lock, replay, writer and
// history modules, unchanged; this file only puts them under one face with the PostgreSQL store.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { LedgerError } from '../errors.js';
import { readLedger } from './replay.js';
import type { HeldLedger, LedgerStore, StoreLockOptions, UnlockOptions } from './store.js';

// The lock, the writer, compaction and the history reader are loaded by the calls that use them:
// a plan or a report only reads, and start-up is mostly module loading (issue 22).
const itemHistory: typeof import('./show.js').itemHistory = async (...args) => (await import('./show.js')).itemHistory(...args);
const openWriter = async (...args: Parameters<typeof import('./writer.js').LedgerWriter.open>) => (await import('./writer.js')).LedgerWriter.open(...args);

export interface FileStoreOptions {
  /**
   * What a held ledger reads and writes: the path as given (`apply` always has), or the real
   * file the lock names, symlinks resolved (`ledger resolve` always has). Default: as given.
   */
  via?: 'given' | 'real';
}

/** The file ledger at `path` (absolute, as the run configuration gives it). */
export function fileLedgerStore(path: string, options: FileStoreOptions = {}): LedgerStore {
  return {
    kind: 'file',
    name: path,
    exists: async () => existsSync(path),
    read: (options) => readLedger(path, options),
    history: (key, kind) => itemHistory(path, key, kind),
    lines: () => fileLines(path),
    lock: (lockOptions) => lockFile(path, options.via ?? 'given', lockOptions),
    compact: async (o) => (await import('./compact.js')).compactLedger(path, o),
    unlock: (o) => unlockFile(path, o),
    close: async () => undefined,
  };
}

async function lockFile(path: string, via: 'given' | 'real', options: StoreLockOptions = {}): Promise<HeldLedger> {
  const lock = await (await import('./lock.js')).acquireLock(path, options);
  // The lock names the ledger's real file (symlinks resolved); both names reach that file.
  const file = via === 'real' ? lock.ledger : path;
  return {
    name: path,
    read: (o) => readLedger(file, o),
    history: (key, kind) => itemHistory(file, key, kind),
    openWriter: (o) => openWriter(file, o?.now ? { now: o.now } : {}),
    appendText: (lines) => appendText(lock.ledger, lines),
    mark: () => fileMark(lock.ledger),
    assertHeld: () => lock.assertHeld(),
    get lost() {
      return lock.lost;
    },
    release: () => lock.release(),
  };
}

/** Takes over a lock whose holder cannot be proven gone once its heartbeat stood still, and lets it go at once. */
async function unlockFile(path: string, options: UnlockOptions = {}): Promise<{ tookOver?: string }> {
  let tookOver: string | undefined;
  const lock = await (await import('./lock.js')).acquireLock(path, {
    takeStale: true,
    staleAfterMs: options.staleAfterMs,
    onWaiting: options.onWaiting,
    onWarning: options.onWarning,
    onTakeover: (m) => (tookOver = m),
  });
  await lock.release();
  return { tookOver };
}

/** Every line of the file as it is (a last line without its newline included); a missing file has none. */
async function* fileLines(path: string): AsyncIterable<string> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  try {
    for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) yield line;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new LedgerError(`cannot read ledger ${path}: ${(error as Error).message}`);
  } finally {
    stream.destroy();
  }
}

/**
 * Appends `lines` as they are, through the writer (which repairs a torn tail first) for its open
 * and then one write and fdatasync: lines a person imports are copied, never re-serialised.
 */
async function appendText(real: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  // The writer's open repairs a torn last line (so the first imported line is not glued onto it).
  await (await openWriter(real)).close();
  let handle;
  try {
    handle = await open(real, 'a', 0o600);
    await handle.writeFile(lines.join('\n') + '\n', 'utf8');
    await handle.datasync();
  } catch (error) {
    throw new LedgerError(`cannot write ledger ${real}: ${(error as Error).message}`);
  } finally {
    await handle?.close();
  }
}

/**
 * The file's mark: its identity (a compaction is a new file), size and times (an append, or an
 * edit by hand), and a digest of its last 4 KiB. A missing file is `absent`.
 */
async function fileMark(path: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw new LedgerError(`cannot read ledger ${path}: ${(error as Error).message}`);
  }
  try {
    const s = await handle.stat();
    const length = Math.min(4096, s.size);
    const tail = Buffer.alloc(length);
    await handle.read(tail, 0, length, s.size - length);
    return `file:${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}:${createHash('sha256').update(tail).digest('hex')}`;
  } finally {
    await handle.close();
  }
}
