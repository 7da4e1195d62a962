// The PostgreSQL ledger's writer: group commit over the lock's own session. Appends made while a
// commit is in flight go together in the next one (one multi-row INSERT), as the file's fsyncs do.
import type pg from 'pg';
import { LedgerError } from '../../errors.js';
import type { LedgerLine } from '../event.js';
import { lockLostError } from '../lock.js';
import type { LedgerAppender } from '../store.js';
import { pgReason, type PgTarget } from './connect.js';
import { insertLines } from './read.js';
import { deferred, type Deferred } from '../deferred.js';

interface Batch extends Deferred {
  texts: string[];
  kinds: (string | null)[];
  keys: (string | null)[];
  bytes: number;
}

function newBatch(): Batch {
  return { texts: [], kinds: [], keys: [], bytes: 0, ...deferred() };
}

/**
 * Writes through `client`, the session holding the ledger's advisory lock: a commit can only
 * happen while the lock is held, since a lost session takes both. `lost` tells of a loss seen first.
 */
export class PgLedgerWriter implements LedgerAppender {
  private next: Batch | undefined;
  private draining: Promise<void> | undefined;
  private failure: LedgerError | undefined;
  private closed = false;
  private readonly counters = { lines: 0, fsyncs: 0, bytes: 0 };

  constructor(
    private readonly client: pg.Client,
    private readonly target: PgTarget,
    private readonly lost: () => string | undefined,
  ) {}

  append(line: LedgerLine): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new LedgerError(`cannot write ledger ${this.target.name}: it is closed`));
    const text = JSON.stringify(line);
    const batch = (this.next ??= newBatch());
    batch.texts.push(text);
    const item = 'kind' in line ? line : undefined;
    batch.kinds.push(item ? item.kind : null);
    batch.keys.push(item ? item.key : null);
    batch.bytes += Buffer.byteLength(text) + 1;
    // Appends made in the same tick share the first commit.
    this.draining ??= this.drain();
    return batch.promise;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.draining) await this.draining;
  }

  get stats(): Readonly<{ lines: number; fsyncs: number; bytes: number }> {
    return { ...this.counters };
  }

  private async drain(): Promise<void> {
    await undefined;
    try {
      let batch: Batch | undefined;
      while ((batch = this.next) !== undefined) {
        this.next = undefined;
        const lost = this.lost();
        if (!this.failure && lost !== undefined) this.failure = lockLostError(lost, 'nothing more is written');
        if (this.failure) {
          batch.reject(this.failure);
          continue;
        }
        try {
          // One statement: committed as a whole when it returns, or not at all.
          await insertLines(this.client, batch.texts, batch.kinds, batch.keys);
          this.counters.lines += batch.texts.length;
          this.counters.fsyncs++;
          this.counters.bytes += batch.bytes;
          batch.resolve();
        } catch (error) {
          this.failure = new LedgerError(`cannot write ledger ${this.target.name}: ${pgReason(this.target, error)}`);
          batch.reject(this.failure);
        }
      }
    } finally {
      this.draining = undefined;
    }
  }
}
