// The PostgreSQL ledger's tables, created on first use and versioned: one row per ledger line, in
// the order it was committed, kept as the exact JSON text the file ledger would hold.
import type pg from 'pg';
import { LedgerError } from '../../errors.js';
import { pgError, type PgTarget } from './connect.js';

export const SCHEMA = 'genuin_provision';
/** The ledger's lines: `line` is the JSON text; `kind` and `key` copied out of it for `ledger show`. */
export const LINES = `${SCHEMA}.ledger_lines`;
const VERSIONS = `${SCHEMA}.schema_version`;

/** The schema this version writes; a higher one in the database is from a newer genuin-provision. */
export const SCHEMA_VERSION = 1;

/** Advisory lock keys (two int4s): the class is ours ('genu'), the second picks the lock. */
export const LOCK_CLASS = 0x67656e75;
export const RUN_LOCK = 1;
const MIGRATION_LOCK = 2;

/** Statements that bring the schema from version i to i + 1. */
const MIGRATIONS: readonly (readonly string[])[] = [
  [
    `CREATE TABLE ${LINES} (
       seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       kind text,
       key text,
       line text NOT NULL
     )`,
    `CREATE INDEX ledger_lines_key ON ${LINES} (key)`,
  ],
];

/** The schema version in the database; 0 when the ledger's tables do not exist yet. */
export async function schemaVersion(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [VERSIONS]);
  if (!rows[0]?.present) return 0;
  const v = await client.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${VERSIONS}`);
  return v.rows[0]?.version ?? 0;
}

/** Refuses a schema written by a newer genuin-provision (its lines could mean more than this one reads). */
export function checkVersion(target: PgTarget, version: number): void {
  if (version > SCHEMA_VERSION) {
    throw new LedgerError(
      `ledger ${target.name}: its tables are schema version ${version}, written by a newer genuin-provision (this one knows up to ${SCHEMA_VERSION}); upgrade it`,
    );
  }
}

/**
 * Creates or upgrades the ledger's tables, in one transaction under an advisory lock (two first
 * runs at once both wait for one creation). Needs CREATE on the database only the first time.
 */
export async function ensureSchema(client: pg.Client, target: PgTarget): Promise<void> {
  let version: number;
  try {
    version = await schemaVersion(client);
  } catch (error) {
    throw pgError(target, 'read', error);
  }
  checkVersion(target, version);
  if (version === SCHEMA_VERSION) return;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, MIGRATION_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${VERSIONS} (version integer PRIMARY KEY, installed_at timestamptz NOT NULL DEFAULT now())`);
    version = await schemaVersion(client); // another run may have done it while we waited
    checkVersion(target, version);
    for (let v = version; v < SCHEMA_VERSION; v++) {
      for (const statement of MIGRATIONS[v]!) await client.query(statement);
      await client.query(`INSERT INTO ${VERSIONS} (version) VALUES ($1)`, [v + 1]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw pgError(target, 'create the tables of', error);
  }
}
