// Two runs on one host name but in separate PID namespaces (containers with host networking, pods
// with hostNetwork), for real: the holder runs under `unshare --pid`, as a pid that is free in
// this namespace. This process must not take its lock while it lives, nor after it dies without
// a person's word. Skipped, with one line, where the machine does not allow `unshare`.
import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock, LockHeldError, StaleLockError } from '../../src/ledger/lock.js';
import { ownPlace, parseHolder } from '../../src/ledger/lock-holder.js';
import { ROOT } from '../helpers/cli.js';
import { pidNamespaceCommand, spawnInPidNamespace, whyNot } from '../helpers/pid-namespace.js';
import { tempLedger } from './helpers.js';
import { steppingClock } from './lock-helpers.js';

const allowed = pidNamespaceCommand() !== null;
if (!allowed) console.log(`skipped: the real PID namespace lock tests: ${whyNot}`);

// The built library (npm test builds it first): the holder is a plain node process.
const HOLDER = `
const [lockModule, ledger] = process.argv.slice(2);
const { acquireLock } = await import(lockModule);
const lock = await acquireLock(ledger, { heartbeatMs: 20 });
process.stdout.write('held ' + process.pid + '\\n');
process.stdin.resume();
process.stdin.on('end', async () => { await lock.release(); process.exit(0); });
`;

let holder: ChildProcess | undefined;
afterEach(() => {
  holder?.kill('SIGKILL');
  holder = undefined;
});

/** Starts a holder of `ledger`'s lock in a PID namespace of its own; resolves with its pid there once it holds the lock. */
async function holdInOwnNamespace(ledger: string): Promise<{ child: ChildProcess; pid: number }> {
  const script = join(dirname(ledger), 'holder.mjs');
  await writeFile(script, HOLDER);
  const { child, pid } = spawnInPidNamespace(process.execPath, [script, pathToFileURL(join(ROOT, 'dist/ledger/lock.js')).href, ledger]);
  holder = child;
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const held = await new Promise<number>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /^held (\d+)\n/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`holder exited (${code}) before holding the lock: ${err}`)));
  });
  expect(held).toBe(pid); // its pid there, which is free here
  return { child, pid };
}

const dead = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
};

describe.skipIf(!allowed)('a holder in a PID namespace of its own, on this host', () => {
  it('is alive by its heartbeat though its pid is free here; once killed, only a person\'s word takes its lock', async () => {
    const ledger = await tempLedger();
    const { child, pid } = await holdInOwnNamespace(ledger);
    const file = `${ledger}.lock`;
    const seen = parseHolder(await readFile(file, 'utf8'))!;
    expect(seen).toMatchObject({ pid, host: ownPlace().host, boot: ownPlace().boot });
    expect(seen.pidns).not.toBe(ownPlace().pidns);
    expect(dead(pid)).toBe(true); // what the old rule took as proof that the holder was gone

    // The real clock: the refusal comes with the holder's first beat, long before 60 s.
    const error = await acquireLock(ledger, { staleAfterMs: 60_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockHeldError);
    expect((error as Error).message).toMatch(new RegExp(`in use by pid ${pid} on .*, a run in another PID namespace \\(${seen.pidns!.replace(/[[\]]/g, '\\$&')}; .*\\), whose heartbeat is alive; wait for that run$`));

    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL'); // the namespace dies with it, leaving its lock file behind
    await exited;
    const left = await readFile(file, 'utf8');
    await expect(acquireLock(ledger, { clock: steppingClock() })).rejects.toThrow(StaleLockError);
    expect(await readFile(file, 'utf8')).toBe(left);
    const lock = await acquireLock(ledger, { clock: steppingClock(), takeStale: true });
    expect(parseHolder(await readFile(file, 'utf8'))!.pid).toBe(process.pid);
    await lock.release();
  });

  it('releases its lock when it ends, and this process then takes the ledger at once', async () => {
    const ledger = await tempLedger();
    const { child } = await holdInOwnNamespace(ledger);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.stdin!.end();
    await exited;
    const clock = steppingClock();
    const lock = await acquireLock(ledger, { clock });
    expect(clock.sleeps).toBe(0);
    await lock.release();
  });
});
