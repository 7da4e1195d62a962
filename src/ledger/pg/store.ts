// The PostgreSQL ledger behind the store interface: reads on a short-lived session in a snapshot,
// a run's reads and writes on the one session that holds the advisory lock.
import type pg from 'pg';
import { emptyLedgerState, type ReadLedgerOptions } from '../replay.js';
import { ConfigError } from '../../errors.js';
import type { HeldLedger, LedgerStore, StoreLockOptions } from '../store.js';
import { compactPgLedger } from './compact.js';
import { connect, disconnect, pgError, pgTarget, type PgTarget } from './connect.js';
import { acquirePgLock } from './lock.js';
import { allLines, columnsOf, historyOf, insertLines, replayLines } from './read.js';
import { checkVersion, LINES, schemaVersion } from './schema.js';
import { PgLedgerWriter } from './writer.js';

/** Rows per INSERT when importing: one transaction for all, in statements of this size. */
const IMPORT_CHUNK = 5_000;

/** The PostgreSQL ledger at `location` (its URL, or the display form `rememberPgUrl` gave). */
export function pgLedgerStore(location: string): LedgerStore {
  const target = pgTarget(location);

  /** A session in a read-only snapshot, when the tables exist: `use` sees one state of the ledger. */
  const reading = async <T>(absent: () => T, use: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = await connect(target);
    try {
      const version = await schemaVersion(client).catch((error: unknown) => {
        throw pgError(target, 'read', error);
      });
      checkVersion(target, version);
      if (version === 0) return absent();
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await use(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      throw pgError(target, 'read', error);
    } finally {
      await disconnect(client);
    }
  };

  return {
    kind: 'postgres',
    name: target.name,
    exists: () =>
      reading(
        () => false,
        async (client) => (await client.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${LINES}) AS any`)).rows[0]!.any,
      ),
    read: (options?: ReadLedgerOptions) => reading(() => emptyLedgerState(), (client) => replayLines(client, target, options)),
    history: (key, kind) => reading(() => [], (client) => historyOf(client, target, key, kind)),
    lines: () => exportLines(target),
    lock: (options) => lockPg(target, options),
    compact: (options) => compactPgLedger(location, options),
    unlock: async () => {
      throw new ConfigError(
        `ledger ${target.name} is a PostgreSQL ledger: its lock is an advisory lock that ends with the session holding it, so there is nothing to unlock (see docs/recovery.md)`,
      );
    },
    close: async () => undefined,
  };
}

async function* exportLines(target: PgTarget): AsyncIterable<string> {
  const client = await connect(target);
  try {
    const version = await schemaVersion(client).catch((error: unknown) => {
      throw pgError(target, 'read', error);
    });
    checkVersion(target, version);
    if (version === 0) return;
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY').catch((error: unknown) => {
      throw pgError(target, 'read', error);
    });
    yield* allLines(client, target);
    await client.query('COMMIT').catch(() => undefined); // read only: nothing to lose
  } finally {
    await disconnect(client);
  }
}

async function lockPg(target: PgTarget, options: StoreLockOptions = {}): Promise<HeldLedger> {
  const lock = await acquirePgLock(target, options);
  const { client } = lock;
  return {
    name: target.name,
    read: (o) => replayLines(client, target, o),
    history: (key, kind) => historyOf(client, target, key, kind),
    openWriter: async () => new PgLedgerWriter(client, target, () => lock.lost),
    async appendText(lines) {
      if (lines.length === 0) return;
      await lock.assertHeld();
      try {
        await client.query('BEGIN');
        for (let i = 0; i < lines.length; i += IMPORT_CHUNK) {
          const texts = lines.slice(i, i + IMPORT_CHUNK);
          const cols = texts.map(columnsOf);
          await insertLines(client, texts, cols.map((c) => c[0]), cols.map((c) => c[1]));
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw pgError(target, 'write', error);
      }
    },
    // The tool only adds lines, and compaction replaces them with new rows: every write it makes
    // raises the last seq (an index look-up; a count of two million rows took 0.6 s). An edit by
    // hand in SQL is not seen: README says to run once with --full after one.
    async mark() {
      try {
        const { rows } = await client.query<{ last: string | null }>(`SELECT max(seq)::text AS last FROM ${LINES}`);
        return `postgres:${rows[0]!.last ?? 0}`;
      } catch (error) {
        throw pgError(target, 'read', error);
      }
    },
    assertHeld: () => lock.assertHeld(),
    get lost() {
      return lock.lost;
    },
    release: () => lock.release(),
  };
}
