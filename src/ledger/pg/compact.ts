// `ledger compact` on a PostgreSQL ledger: the lines the file's compaction writes replace the old
// rows in one transaction, under the run lock, and only if they replay to the same state.
import { LedgerError } from '../../errors.js';
import { compactedLedger, difference, type CompactOptions, type CompactResult } from '../compact.js';
import { pgError, pgTarget } from './connect.js';
import { acquirePgLock } from './lock.js';
import { columnsOf, insertLines, replayLines } from './read.js';
import { LINES } from './schema.js';

/** Rows per INSERT: the new lines go in statements of this size, all inside the one transaction. */
const CHUNK = 5_000;

/**
 * Compacts the ledger at `location` (a postgres:// URL, or its display form). Readers keep their
 * snapshot of the old rows until the commit, then see the new ones: never a mix, never an empty
 * ledger (DELETE, not TRUNCATE, which would show an empty table to a snapshot taken before it).
 * The deleted rows' space is autovacuum's to reclaim. Refused (LockHeldError, exit 3) while a run holds the ledger.
 */
export async function compactPgLedger(location: string, options: CompactOptions = {}): Promise<CompactResult> {
  const target = pgTarget(location);
  const lock = await acquirePgLock(target, { onWarning: options.onWarning });
  const { client } = lock;
  try {
    await client.query('BEGIN');
    const before = await replayLines(client, target, { onWarning: options.onWarning });
    let linesAfter = 0;
    if (before.lines > 0 || before.torn.length > 0) {
      await client.query(`DELETE FROM ${LINES}`);
      let texts: string[] = [];
      const flush = async () => {
        const cols = texts.map(columnsOf);
        await insertLines(client, texts, cols.map((c) => c[0]), cols.map((c) => c[1]));
        texts = [];
      };
      for (const { text, item } of compactedLedger(before, (options.now ?? (() => new Date()))())) {
        texts.push(text);
        if (item) linesAfter++;
        if (texts.length >= CHUNK) await flush();
      }
      if (texts.length > 0) await flush();
      const diff = difference(before, await replayLines(client, target));
      if (diff !== undefined) throw new LedgerError(`compacting ledger ${target.name} would change it (${diff}); left it untouched`);
    }
    // The lock's own session: if it was lost, this fails and nothing changed.
    await client.query('COMMIT');
    return { linesBefore: before.lines, linesAfter, items: before.items.size, torn: before.torn.length };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error instanceof LedgerError ? error : pgError(target, 'compact', error);
  } finally {
    await lock.release();
  }
}
