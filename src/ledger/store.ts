// The one interface of a results ledger, whichever store keeps it: the JSON Lines file (a path, the
// default) or a PostgreSQL database (a postgres:// URL). Runs, plans, reports and ledger verbs use
// only this; open.ts picks the store. How the two differ, in one place:
//
// | | file (`file-store.ts`) | PostgreSQL (`pg/store.ts`) |
// | --- | --- | --- |
// | lines | JSON Lines, one per line, mode 0600 | rows of `genuin_ledger_lines` (the same JSON text, plus kind and key columns for `history`) |
// | durable | one write + fdatasync per batch of concurrent appends (`writer.ts`; the batching: `group-commit.ts`) | one INSERT and COMMIT per batch (`pg/writer.ts`, the same `group-commit.ts`) |
// | one run at a time | `<real path>.lock`, O_EXCL, holder proven alive by pid in its own PID namespace or by a heartbeat (`lock*.ts`); `unlock` is a person's word | an advisory lock held by the run's session; it ends with the session (`pg/lock.ts`); nothing to unlock |
// | torn write | a cut last line is kept and marked (`writer.ts`), replay skips it | cannot happen (a transaction) |
// | compact | a temp file renamed over the real one, checked to replay the same (`compact.ts`) | DELETE + INSERT in one transaction, the same check (`pg/compact.ts`) |
// | reads without the lock | the file as it is | a REPEATABLE READ snapshot |
import type { ItemKind } from '../api/schema.js';
import type { CompactOptions, CompactResult } from './compact.js';
import type { LedgerEvent, LedgerLine } from './event.js';
import type { LedgerState, ReadLedgerOptions } from './replay.js';

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
  history(key: string, kind?: ItemKind): Promise<LedgerEvent[]>;
  /** The appender of this holder: only it may write while the lock is held. */
  openWriter(options?: { now?: () => Date }): Promise<LedgerAppender>;
  /** Appends lines exactly as given (texts without newline), all or none, durable on return: `ledger import`. */
  appendText(lines: readonly string[]): Promise<void>;
  /**
   * What the ledger is now, in a few bytes: any line written since (by anyone, through any
   * verb) gives another mark. A run that found everything done is recorded under it (pipeline/settled.ts).
   */
  mark(): Promise<string>;
  /** Rejects with a LedgerError naming what happened if the lock is lost (checks now). */
  assertHeld(): Promise<void>;
  /** Why the lock was lost, once seen; undefined while held. */
  readonly lost: string | undefined;
  /** Releases the lock. Safe to call twice. */
  release(): Promise<void>;
}

export interface UnlockOptions {
  /** How long the holder's heartbeat must be seen standing still (at least 3 of its own intervals). Default 30 s. */
  staleAfterMs?: number;
  /** Told when the holder's heartbeat is being watched (this takes up to `staleAfterMs`). */
  onWaiting?: (message: string) => void;
  onWarning?: (message: string) => void;
}

export interface LedgerStore {
  readonly kind: 'file' | 'postgres';
  /** What messages call the ledger: its path, or its URL without a password. */
  readonly name: string;
  /** Whether the ledger is there (a file, or a database ledger with lines): a missing one is empty. */
  exists(): Promise<boolean>;
  /** Replays the ledger without its lock (a consistent snapshot): plan, report, show. */
  read(options?: ReadLedgerOptions): Promise<LedgerState>;
  history(key: string, kind?: ItemKind): Promise<LedgerEvent[]>;
  /** Every line as stored, in ledger order, without newlines: `ledger export`. */
  lines(): AsyncIterable<string>;
  /** Takes the ledger's exclusive lock, or throws LockHeldError (exit 3; `--skip-if-locked` exit 4) naming the holder. */
  lock(options?: StoreLockOptions): Promise<HeldLedger>;
  /** Rewrites the ledger as one line per item (`ledger compact`), under its lock, checked to replay the same; refused while a run holds it. */
  compact(options?: CompactOptions): Promise<CompactResult>;
  /**
   * A person's word that the run holding the lock is gone (`ledger unlock`): a holder that cannot
   * be proven gone is taken over once its heartbeat stood still; a live one is a LockHeldError.
   * A PostgreSQL ledger has nothing to unlock (ConfigError).
   */
  unlock(options?: UnlockOptions): Promise<{ tookOver?: string }>;
  /** Lets go of connections (a file store holds none). */
  close(): Promise<void>;
}
