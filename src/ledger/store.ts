// The one interface of a results ledger, whichever store keeps it: the JSON Lines file (a path, the
// default) or a PostgreSQL database (a postgres:// URL). Runs, plans, reports and ledger verbs use only this.
import type { LedgerEvent, LedgerLine } from './event.js';
import { fileLedgerStore } from './file-store.js';
import { isPostgresUrl, redactPgUrl } from './pg/url.js';
import type { LedgerState, ReadLedgerOptions } from './replay.js';

export { isPostgresUrl } from './pg/url.js';

type Kind = 'community' | 'group';

/** Appends lines durably; concurrent appends share one durable write (an fsync, or one commit). */
export interface LedgerAppender {
  /**
   * Resolves once the line is durable. Rejects with a LedgerError if it cannot be made so, and
   * so does every later append: a gap in the ledger is never papered over.
   */
  append(line: LedgerLine): Promise<void>;
  /** Waits for every line appended so far, then lets the store go. */
  close(): Promise<void>;
  /** Lines made durable, and the durable writes (fsyncs or commits) that carried them. */
  readonly stats: { readonly lines: number; readonly fsyncs: number; readonly bytes: number };
}

export interface StoreLockOptions {
  /** Told when a stale lock is taken over (file), or about a lock released oddly. */
  onWarning?: (message: string) => void;
  /** Told once, as soon as the lock is seen lost while held: the holder must stop writing at once. */
  onLost?: (reason: string) => void;
  now?: () => Date;
  /** How often a held lock is checked while `onLost` is given. */
  watchIntervalMs?: number;
  /** Told when the file lock's holder cannot be judged by its pid and its heartbeat is watched (up to 30 s). */
  onWaiting?: (message: string) => void;
}

/** A ledger under its exclusive lock: one run (or one ledger verb) at a time. */
export interface HeldLedger {
  /** What messages call the ledger. */
  readonly name: string;
  read(options?: ReadLedgerOptions): Promise<LedgerState>;
  /** Every line written for `key` (of `kind`, or either), in ledger order. */
  history(key: string, kind?: Kind): Promise<LedgerEvent[]>;
  /** The appender of this holder: only it may write while the lock is held. */
  openWriter(options?: { now?: () => Date }): Promise<LedgerAppender>;
  /** Appends lines exactly as given (texts without newline), all or none, durable on return: `ledger import`. */
  appendText(lines: readonly string[]): Promise<void>;
  /** Rejects with a LedgerError naming what happened if the lock is lost (checks now). */
  assertHeld(): Promise<void>;
  /** Why the lock was lost, once seen; undefined while held. */
  readonly lost: string | undefined;
  /** Releases the lock. Safe to call twice. */
  release(): Promise<void>;
}

export interface LedgerStore {
  readonly kind: 'file' | 'postgres';
  /** What messages call the ledger: its path, or its URL without a password. */
  readonly name: string;
  /** Whether the ledger is there (a file, or a database ledger with lines): a missing one is empty. */
  exists(): Promise<boolean>;
  /** Replays the ledger without its lock (a consistent snapshot): plan, report, show. */
  read(options?: ReadLedgerOptions): Promise<LedgerState>;
  history(key: string, kind?: Kind): Promise<LedgerEvent[]>;
  /** Every line as stored, in ledger order, without newlines: `ledger export`. */
  lines(): AsyncIterable<string>;
  /** Takes the ledger's exclusive lock, or throws LockHeldError (exit 3; `--skip-if-locked` exit 4) naming the holder. */
  lock(options?: StoreLockOptions): Promise<HeldLedger>;
  /** Lets go of connections (a file store holds none). */
  close(): Promise<void>;
}

/** The store a ledger location names: a `postgres://` or `postgresql://` URL, else a file path. */
export function ledgerStore(location: string): LedgerStore {
  return isPostgresUrl(location) ? lazyPgStore(location) : fileLedgerStore(location);
}

/**
 * The PostgreSQL store, its modules (and pg's) loaded on the first call that needs them: a run
 * on a file ledger never loads them. Its name is known without them (the URL without a password).
 */
function lazyPgStore(location: string): LedgerStore {
  let loaded: Promise<LedgerStore> | undefined;
  const store = () => (loaded ??= import('./pg/store.js').then((m) => m.pgLedgerStore(location)));
  return {
    kind: 'postgres',
    name: redactPgUrl(location),
    exists: async () => (await store()).exists(),
    read: async (options) => (await store()).read(options),
    history: async (key, kind) => (await store()).history(key, kind),
    lines: async function* () {
      yield* (await store()).lines();
    },
    lock: async (options) => (await store()).lock(options),
    // Nothing loaded (or it failed, and the call that loaded it said so): nothing to let go of.
    close: async () => loaded?.then((s) => s.close(), () => undefined),
  };
}

/** Opens the store of `location`, runs `use`, and closes the store whatever happens. */
export async function withLedgerStore<T>(location: string, use: (store: LedgerStore) => Promise<T>): Promise<T> {
  const store = ledgerStore(location);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** The ledger at `location` replayed (no lock): what plan, validate and report read. */
export function readLedgerAt(location: string, options: ReadLedgerOptions = {}): Promise<LedgerState> {
  return withLedgerStore(location, (store) => store.read(options));
}

/** Whether the ledger at `location` is there yet. */
export function ledgerExistsAt(location: string): Promise<boolean> {
  return withLedgerStore(location, (store) => store.exists());
}
