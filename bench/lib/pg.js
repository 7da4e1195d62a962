// A throwaway PostgreSQL cluster for the PostgreSQL ledger bench: initdb in a temporary directory,
// a free loopback port, settings as shipped (fsync and synchronous_commit on: commits are durable).
// The same steps as test/helpers/pg-cluster.ts, in plain JS for the bench's node children.
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const executable = (p) => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** initdb/pg_ctl/postgres: on PATH first, then Debian's /usr/lib/postgresql/<version>/bin. */
export function findPgBin() {
  const has = (dir) => ['initdb', 'pg_ctl', 'postgres'].every((b) => executable(join(dir, b)));
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && has(dir)) return dir;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => /^\d+/.test(v)).sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  for (const v of versions) if (has(join(base, v, 'bin'))) return join(base, v, 'bin');
  return undefined;
}

function serverUser() {
  if (process.getuid?.() !== 0) return undefined;
  const find = () => readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!find()) execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
  const [, , uid, gid] = find().split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

function run(bin, args, user, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, uid: user?.uid, gid: user?.gid, env: { PATH: process.env.PATH ?? '', LANG: 'C', LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${bin} ${args.join(' ')} exited ${code}: ${out}`))));
  });
}

/** Starts a cluster (trust auth on loopback); `url(db)` names a database, `createDatabase` makes one. */
export async function startPgCluster() {
  const bin = findPgBin();
  if (!bin) throw new Error('no PostgreSQL binaries');
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'genuin-bench-pg-'));
  const data = join(dir, 'data');
  if (user) chownSync(dir, user.uid, user.gid);
  chmodSync(dir, 0o700);
  await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], user, dir);
  const port = await freePort();
  const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`;
  await run(join(bin, 'pg_ctl'), ['-D', data, '-o', settings, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start'], user, dir);
  const url = (db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`;
  let n = 0;
  return {
    url,
    async createDatabase() {
      const name = `bench_${process.pid}_${++n}`;
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    async close() {
      await run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'], user, dir).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
