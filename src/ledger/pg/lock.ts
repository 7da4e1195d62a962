// One run per PostgreSQL ledger: a session-level advisory lock on a connection held for the run's
// life. It ends with that session (a dead process, a cut connection), so it is never stale.
import type pg from 'pg';
import { LedgerError } from '../../errors.js';
import { LockHeldError, lockLostError } from '../lock.js';
import type { StoreLockOptions } from '../store.js';
import { connect, disconnect, parseApplicationName, pgError, pgReason, type PgTarget } from './connect.js';
import { ensureSchema, LOCK_CLASS, RUN_LOCK } from './schema.js';

/** A heartbeat that has not answered after this long means the connection is gone, whatever TCP says. */
const HEARTBEAT_TIMEOUT_MS = 15_000;

/**
 * The server's side of the same question: a host that vanished (a node lost, a cable cut) sends
 * no FIN, and with the OS defaults the server would hold its session, and the lock, for two
 * hours. Probing after 10 s idle, every 5 s, 3 times, it ends the session in about 25 s.
 */
const SERVER_KEEPALIVES = ['SET tcp_keepalives_idle = 10', 'SET tcp_keepalives_interval = 5', 'SET tcp_keepalives_count = 3'];

export interface PgLock {
  /** The session that holds the lock: the ledger is read and written through it alone. */
  readonly client: pg.Client;
  readonly lost: string | undefined;
  assertHeld(): Promise<void>;
  release(): Promise<void>;
}

/**
 * Connects, creates the tables on first use, and takes the ledger's lock without waiting; a
 * LockHeldError (exit 3, or 4 with --skip-if-locked) names the run that holds it.
 */
export async function acquirePgLock(target: PgTarget, options: StoreLockOptions = {}): Promise<PgLock> {
  let lost: string | undefined;
  let released = false;
  let timer: NodeJS.Timeout | undefined;
  const markLost = (reason: string): void => {
    if (lost !== undefined || released) return;
    lost = reason;
    if (timer) clearInterval(timer);
    options.onLost?.(reason);
  };
  const connectionLost = (error?: unknown) =>
    markLost(`the connection to ledger ${target.name} holding its lock was lost${error ? ` (${pgReason(target, error)})` : ''}`);

  const client = await connect(target, (error) => connectionLost(error));
  try {
    // Where the server cannot set them (a Unix socket, no TCP), the defaults stay: not an error.
    for (const statement of SERVER_KEEPALIVES) await client.query(statement).catch(() => undefined);
    await ensureSchema(client, target);
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [LOCK_CLASS, RUN_LOCK]);
    if (!rows[0]?.ok) throw await heldBy(client, target);
  } catch (error) {
    await disconnect(client);
    throw error instanceof LedgerError ? error : pgError(target, 'lock', error);
  }
  client.on('end', () => connectionLost());

  if (options.onLost) {
    // Ending sessions and server restarts close the socket (the 'error' and 'end' above); a
    // silent network needs a question: one at a time, and one unanswered for too long is a loss.
    let asking: number | undefined;
    timer = setInterval(() => {
      if (lost !== undefined || released) return;
      if (asking !== undefined) {
        if (Date.now() - asking > HEARTBEAT_TIMEOUT_MS) {
          markLost(`ledger ${target.name}: its database has not answered for ${HEARTBEAT_TIMEOUT_MS / 1000} s while this run held its lock`);
          void disconnect(client);
        }
        return;
      }
      asking = Date.now();
      client.query('SELECT 1').then(
        () => (asking = undefined),
        (error: unknown) => connectionLost(error),
      );
    }, options.watchIntervalMs ?? 1000);
    timer.unref();
  }

  return {
    client,
    get lost() {
      return lost;
    },
    async assertHeld() {
      if (lost === undefined && !released) {
        try {
          await client.query('SELECT 1');
        } catch (error) {
          connectionLost(error);
        }
      }
      if (lost !== undefined) throw lockLostError(lost);
      if (released) throw new LedgerError(`ledger ${target.name}: its lock was released`);
    },
    async release() {
      if (released) return;
      released = true;
      if (timer) clearInterval(timer);
      // Ending the session releases the lock; the explicit unlock only makes that immediate for poolers.
      if (lost === undefined) await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS, RUN_LOCK]).catch(() => undefined);
      await disconnect(client);
    },
  };
}

/** The LockHeldError naming the session that holds the lock: its process and host when it is one of ours. */
async function heldBy(client: pg.Client, target: PgTarget): Promise<LockHeldError> {
  let holder: { pid: number; application_name: string | null; client_addr: string | null; backend_start: Date | null } | undefined;
  try {
    const { rows } = await client.query<NonNullable<typeof holder>>(
      `SELECT a.pid, a.application_name, a.client_addr::text AS client_addr, a.backend_start
         FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid = $1::int::oid AND l.objid = $2::int::oid AND l.objsubid = 2`,
      [LOCK_CLASS, RUN_LOCK],
    );
    holder = rows[0];
  } catch {
    // Who holds it is a courtesy: the lock itself is the answer.
  }
  const since = holder?.backend_start ? ` since ${holder.backend_start.toISOString()}` : '';
  const ours = parseApplicationName(holder?.application_name);
  const session = holder?.pid !== undefined ? `PostgreSQL advisory lock, session ${holder.pid}` : 'PostgreSQL advisory lock';
  const who = ours ? `pid ${ours.pid} on ${ours.host}` : holder?.client_addr ? `a session from ${holder.client_addr}` : 'another session';
  return new LockHeldError(
    `ledger ${target.name} is in use by ${who}${since} (${session}); wait for that run: the lock ends with its session, so a run that died holds nothing`,
  );
}
