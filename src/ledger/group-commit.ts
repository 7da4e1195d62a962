// Group commit, for both ledger writers: lines appended while a durable write is in flight go
// together in the next one, and share its promise. A failed write fails every later append: a
// gap in the ledger is never papered over. The file writer makes a batch one write + fdatasync,
// the PostgreSQL writer one multi-row INSERT; this loop is the same for both.
import { LedgerError } from '../errors.js';
import { deferred, type Deferred } from './deferred.js';

export interface CommitStats {
  /** Lines made durable. */
  lines: number;
  /** Durable writes (fdatasyncs, O_DSYNC writes or commits) that carried them: `lines / fsyncs` is the group-commit factor. */
  fsyncs: number;
  bytes: number;
}

export interface GroupCommitOptions<B> {
  /** What messages call the ledger. */
  name: string;
  /** An empty batch. */
  empty: () => B;
  /** Makes one batch durable; resolves with its line count and bytes. */
  commit: (batch: B) => Promise<{ lines: number; bytes: number }>;
  /** Why a write failed, in words (the store's own reading of its errors). */
  reason: (error: unknown) => string;
  /** A reason to write nothing more, checked before each batch (the PostgreSQL lock lost). */
  refuse?: () => LedgerError | undefined;
}

export class GroupCommit<B> {
  private next: (B & Deferred) | undefined;
  private draining: Promise<void> | undefined;
  private failure: LedgerError | undefined;
  private closed = false;
  private readonly counters: CommitStats = { lines: 0, fsyncs: 0, bytes: 0 };

  constructor(private readonly o: GroupCommitOptions<B>) {}

  /** Puts a line into the batch `fill` is given; resolves once that batch is durable. */
  add(fill: (batch: B) => void): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new LedgerError(`cannot write ledger ${this.o.name}: it is closed`));
    const batch = (this.next ??= { ...this.o.empty(), ...deferred() });
    fill(batch);
    // The drain starts on the next microtask, so appends made in the same tick share the first write.
    this.draining ??= this.drain();
    return batch.promise;
  }

  /** Waits for every line added so far to be durable (or failed). */
  async close(): Promise<void> {
    this.closed = true;
    while (this.draining) await this.draining;
  }

  get stats(): Readonly<CommitStats> {
    return { ...this.counters };
  }

  private async drain(): Promise<void> {
    await undefined;
    try {
      let batch: (B & Deferred) | undefined;
      while ((batch = this.next) !== undefined) {
        this.next = undefined;
        this.failure ??= this.o.refuse?.();
        if (this.failure) {
          batch.reject(this.failure);
          continue;
        }
        try {
          const { lines, bytes } = await this.o.commit(batch);
          this.counters.lines += lines;
          this.counters.fsyncs++;
          this.counters.bytes += bytes;
          batch.resolve();
        } catch (error) {
          this.failure = new LedgerError(`cannot write ledger ${this.o.name}: ${this.o.reason(error)}`);
          batch.reject(this.failure);
        }
      }
    } finally {
      this.draining = undefined;
    }
  }
}
