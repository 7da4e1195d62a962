// A throwaway PostgreSQL cluster for the PostgreSQL ledger tests: initdb in a temporary directory,
// a free loopback port, password auth over TCP; stopped and removed when the test file ends.
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** The password of the cluster's superuser (`postgres`): the tests check it never reaches output. */
export const PG_PASSWORD = 'pw-Zq81-never-logged';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The directory holding initdb, pg_ctl and postgres: on PATH first, then Debian's /usr/lib/postgresql/<version>/bin (newest). */
export function findPgBin(): string | undefined {
  const has = (dir: string) => ['initdb', 'pg_ctl', 'postgres'].every((b) => executable(join(dir, b)));
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && has(dir)) return dir;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => /^\d+/.test(v)).sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  for (const v of versions) if (has(join(base, v, 'bin'))) return join(base, v, 'bin');
  return undefined;
}

/** Why the PostgreSQL tests cannot run here (undefined: they can). */
export const pgSkipReason: string | undefined = findPgBin()
  ? undefined
  : 'PostgreSQL ledger tests skipped: no initdb/pg_ctl/postgres on PATH or in /usr/lib/postgresql/*/bin (install Debian\'s postgresql package; .ci/run does)';

if (pgSkipReason) process.stderr.write(`${pgSkipReason}\n`);

/** The server refuses to run as root: as root, the cluster belongs to the `postgres` system user (created if missing). */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const find = () => readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  let line = find();
  if (!line) {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
    line = find();
  }
  if (!line) throw new Error('cannot create the postgres system user to run the test cluster');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(bin: string, args: string[], user: { uid: number; gid: number } | undefined, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, uid: user?.uid, gid: user?.gid, env: { PATH: process.env.PATH ?? '', LANG: 'C', LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${bin} ${args.join(' ')} exited ${code}: ${out}`))));
  });
}

export interface PgCluster {
  readonly port: number;
  /** `postgres://postgres:<password>@127.0.0.1:<port>/<database>`. */
  url(database?: string, withPassword?: boolean): string;
  /** A new, empty database; returns its URL (with the password). */
  createDatabase(name?: string): Promise<string>;
  /** Runs one SQL statement as the superuser in `database`. */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(database: string, sql: string, params?: unknown[]): Promise<T[]>;
  /** Ends every session of `database` except our own (pg_terminate_backend); returns how many. */
  terminate(database: string, applicationLike?: string): Promise<number>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server (fast: sessions end) and starts it again on the same port. */
  restart(): Promise<void>;
  /** Stops the server and removes its directory. */
  close(): Promise<void>;
}

let databases = 0;

/** The test CA (test/fixtures/tls/ca.pem) that signed the certificate a `tls` cluster presents for 127.0.0.1. */
export const TEST_CA = fileURLToPath(new URL('../fixtures/tls/ca.pem', import.meta.url));

/**
 * Starts a cluster. Call only when pgSkipReason is undefined. `durable`: fsync on, as in
 * production; `tls`: the server also takes TLS, with test/fixtures/tls's certificate for 127.0.0.1.
 */
export async function startPgCluster(options: { durable?: boolean; tls?: boolean } = {}): Promise<PgCluster> {
  const bin = findPgBin();
  if (!bin) throw new Error(pgSkipReason);
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'genuin-pg-'));
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${PG_PASSWORD}\n`);
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(pwfile, user.uid, user.gid);
  }
  chmodSync(dir, 0o700);
  await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--pwfile', pwfile, '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--no-sync'], user, dir);
  const port = await freePort();
  const tls: string[] = [];
  if (options.tls) {
    // The server reads its key only if no one else can (0600, its own user).
    for (const f of ['server.pem', 'server.key']) {
      copyFileSync(fileURLToPath(new URL(`../fixtures/tls/${f}`, import.meta.url)), join(dir, f));
      chmodSync(join(dir, f), 0o600);
      if (user) chownSync(join(dir, f), user.uid, user.gid);
    }
    tls.push('-c ssl=on', `-c ssl_cert_file=${join(dir, 'server.pem')}`, `-c ssl_key_file=${join(dir, 'server.key')}`);
  }
  const settings = [
    ...tls,
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c max_connections=100',
    // Tests need no crash safety of the throwaway cluster; benchmarks measure it as deployed.
    ...(options.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
  ].join(' ');
  const log = join(dir, 'server.log');
  const start = () => run(join(bin, 'pg_ctl'), ['-D', data, '-o', settings, '-l', log, '-w', '-t', '60', 'start'], user, dir).then(() => undefined);
  const stop = () => run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop'], user, dir).then(() => undefined);
  await start();

  const url = (database = 'postgres', withPassword = true) =>
    `postgres://postgres${withPassword ? `:${PG_PASSWORD}` : ''}@127.0.0.1:${port}/${database}`;
  const query = async <T extends pg.QueryResultRow>(database: string, sql: string, params?: unknown[]): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  let stopped = false;
  return {
    port,
    url,
    async createDatabase(name = `t${process.pid}_${++databases}`) {
      await query('postgres', `CREATE DATABASE ${name}`);
      return url(name);
    },
    query,
    async terminate(database, applicationLike = '%') {
      const rows = await query<{ n: string }>(
        'postgres',
        `SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name LIKE $2`,
        [database, applicationLike],
      );
      return Number(rows[0]!.n);
    },
    async stop() {
      await stop();
      stopped = true;
    },
    async start() {
      await start();
      stopped = false;
    },
    async restart() {
      await stop();
      await start();
    },
    async close() {
      if (!stopped) await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
