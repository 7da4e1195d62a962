// The PostgreSQL ledger's writer: group commit (../group-commit.ts) over the lock's own session.
// Appends made while a commit is in flight go together in the next one (one multi-row INSERT).
import type pg from 'pg';
import type { LedgerLine } from '../event.js';
import { GroupCommit, type CommitStats } from '../group-commit.js';
import { lockLostError } from '../lock.js';
import type { LedgerAppender } from '../store.js';
import { pgReason, type PgTarget } from './connect.js';
import { insertLines } from './read.js';

interface Batch {
  texts: string[];
  kinds: (string | null)[];
  keys: (string | null)[];
  bytes: number;
}

/**
 * Writes through `client`, the session holding the ledger's advisory lock: a commit can only
 * happen while the lock is held, since a lost session takes both. `lost` tells of a loss seen first.
 */
export class PgLedgerWriter implements LedgerAppender {
  private readonly commits: GroupCommit<Batch>;

  constructor(client: pg.Client, target: PgTarget, lost: () => string | undefined) {
    this.commits = new GroupCommit<Batch>({
      name: target.name,
      empty: () => ({ texts: [], kinds: [], keys: [], bytes: 0 }),
      // One statement: committed as a whole when it returns, or not at all.
      commit: async (batch) => {
        await insertLines(client, batch.texts, batch.kinds, batch.keys);
        return { lines: batch.texts.length, bytes: batch.bytes };
      },
      reason: (error) => pgReason(target, error),
      refuse: () => {
        const why = lost();
        return why === undefined ? undefined : lockLostError(why, 'nothing more is written');
      },
    });
  }

  append(line: LedgerLine): Promise<void> {
    const text = JSON.stringify(line);
    const item = 'kind' in line ? line : undefined;
    return this.commits.add((batch) => {
      batch.texts.push(text);
      batch.kinds.push(item ? item.kind : null);
      batch.keys.push(item ? item.key : null);
      batch.bytes += Buffer.byteLength(text) + 1;
    });
  }

  close(): Promise<void> {
    return this.commits.close();
  }

  get stats(): Readonly<CommitStats> {
    return this.commits.stats;
  }
}
