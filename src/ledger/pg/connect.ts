// Connections to a PostgreSQL ledger: the driver loaded on first use (file ledgers never load it),
// one client per purpose named after this process, and errors as one line without any password.
import { hostname } from 'node:os';
import type pg from 'pg';
import { LedgerError } from '../../errors.js';
import { pgConnectionUrl, redactPgUrl, stripPasswords } from './url.js';

/** The ledger as this process reaches it: `name` for messages (no password), `url` to connect. */
export interface PgTarget {
  readonly name: string;
  readonly url: string;
}

/** The target a ledger location names: its URL, or the display form `rememberPgUrl` gave. */
export function pgTarget(location: string): PgTarget {
  return { name: redactPgUrl(location), url: pgConnectionUrl(location) };
}

let driver: Promise<typeof pg> | undefined;

/** node-postgres, imported once and only by a PostgreSQL ledger. */
export function loadDriver(): Promise<typeof pg> {
  driver ??= import('pg').then((m) => m.default);
  return driver;
}

/**
 * What other sessions see of this one (pg_stat_activity.application_name, at most 63 bytes): the
 * lock holder's pid and host, which a second run's "in use by" message names.
 */
export function applicationName(): string {
  return `genuin-provision pid ${process.pid} on ${hostname()}`.slice(0, 63);
}

const HOLDER = /^genuin-provision pid (\d+) on (.*)$/;

/** The pid and host a session's application_name names, when it is one of ours. */
export function parseApplicationName(name: string | null | undefined): { pid: number; host: string } | undefined {
  const m = HOLDER.exec(name ?? '');
  return m ? { pid: Number(m[1]), host: m[2]! } : undefined;
}

/** What the driver says when the server asks for a password and none was given (SCRAM). */
const NO_PASSWORD = /client password must be a (?:non-empty )?string|^Password must be a string/i;

/** The message of any error the driver or the server gives, with the target's passwords replaced. */
export function pgReason(target: PgTarget, error: unknown): string {
  const e = error as { message?: string; code?: string } | undefined;
  let text = e?.message ?? String(error);
  if (!text && e?.code) text = e.code;
  if (NO_PASSWORD.test(text)) return NO_PASSWORD_TEXT;
  return stripPasswords(text || 'unknown error', target.url);
}

/** The line for a server that wants a password this process does not have. */
export const NO_PASSWORD_TEXT =
  'the server asks for a password and none was given: set PGPASSWORD (in the environment or .env), or put it in ~/.pgpass or the URL';

/** `cannot <doing> ledger <name>: <reason>` as the LedgerError (exit 3) a person reads. */
export function pgError(target: PgTarget, doing: string, error: unknown): LedgerError {
  if (error instanceof LedgerError) return error;
  return new LedgerError(`cannot ${doing} ledger ${target.name}: ${pgReason(target, error)}`);
}

/**
 * A connected client. TLS, the password (URL, PGPASSWORD or ~/.pgpass) and the rest come from
 * the URL and the PG* variables, as libpq reads them. `onError` hears a connection lost later.
 */
export async function connect(target: PgTarget, onError?: (error: Error) => void): Promise<pg.Client> {
  const { Client } = await loadDriver();
  let client: pg.Client;
  try {
    client = new Client({
      connectionString: target.url,
      application_name: applicationName(),
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 15_000,
    });
  } catch (error) {
    throw pgError(target, 'open', error);
  }
  // A client without an 'error' listener would crash the process when its server goes away.
  client.on('error', (error) => onError?.(error));
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw pgError(target, 'connect to', error);
  }
  return client;
}

/** Ends a client, ignoring a connection that is already gone. */
export async function disconnect(client: pg.Client): Promise<void> {
  await client.end().catch(() => undefined);
}
