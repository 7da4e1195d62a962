import { access, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/errors.js';
import { acquireLock, LockHeldError, StaleLockError, type LedgerLock } from '../../src/ledger/lock.js';
import { tempLedger } from './helpers.js';
import { deadPid, holderText, steppingClock } from './lock-helpers.js';

const exists = (p: string) => access(p).then(() => true, () => false);

describe('acquireLock', () => {
  it('creates a 0600 lock file naming this process, and release removes it', async () => {
    const path = await tempLedger();
    const release = await acquireLock(path);
    const file = `${path}.lock`;
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    await release.release();
    expect(await exists(file)).toBe(false);
    await release.release(); // twice is harmless
  });

  it('refuses a second holder with a LedgerError naming pid and host', async () => {
    const path = await tempLedger();
    const release = await acquireLock(path);
    const error = await acquireLock(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerError);
    expect((error as Error).message).toMatch(
      new RegExp(`^ledger ${path} is in use by pid ${process.pid} on ${hostname()} since \\S+ \\(lock file ${path}\\.lock\\); wait for that run \\(if it is gone: genuin-provision ledger unlock --ledger ${path}\\)$`),
    );
    await release.release();
    await (await acquireLock(path)).release(); // free again
  });

  it('does not treat a lock held on another host as stale: it needs a person once its heartbeat stands still', async () => {
    const path = await tempLedger();
    const text = holderText({ pid: await deadPid(), host: 'elsewhere', started: 'x' });
    await writeFile(`${path}.lock`, text);
    const error = await acquireLock(path, { clock: steppingClock() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StaleLockError);
    expect(error).not.toBeInstanceOf(LockHeldError);
    expect((error as Error).message).toMatch(/in use by pid \d+ on elsewhere since x .*, a run on another host \(elsewhere; this one is /);
    expect(await readFile(`${path}.lock`, 'utf8')).toBe(text);
  });

  it('takes over a lock left by a process that has exited, with a warning', async () => {
    const path = await tempLedger();
    const pid = await deadPid();
    const started = '2026-11-01T00:00:00.000Z';
    await writeFile(`${path}.lock`, holderText({ pid, started }));
    const warnings: string[] = [];
    const release = await acquireLock(path, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([`taking over stale lock ${path}.lock left by pid ${pid} (started ${started})`]);
    expect(JSON.parse(await readFile(`${path}.lock`, 'utf8')).pid).toBe(process.pid);
    await release.release();
    expect(await readdir(dirname(path))).toEqual([]); // no .break or other leftovers
  });

  it('racers for a stale lock: exactly one wins', async () => {
    const path = await tempLedger();
    await writeFile(`${path}.lock`, holderText({ pid: await deadPid() }));
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => acquireLock(path)));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(LedgerError);
    await (won[0] as PromiseFulfilledResult<LedgerLock>).value.release();
    expect(await readdir(dirname(path))).toEqual([]);
  });

  it('a garbled lock file is stale only once older than 10 s', async () => {
    const path = await tempLedger();
    const file = `${path}.lock`;
    await writeFile(file, '{"pid": 12');
    await expect(acquireLock(path)).rejects.toThrow(/is in use \(lock file .* is being written or is garbled\)/);
    const old = new Date(Date.now() - 60_000);
    await utimes(file, old, old);
    const warnings: string[] = [];
    const release = await acquireLock(path, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([`taking over stale lock ${file} that is garbled and older than 10 s`]);
    await release.release();
  });

  it('release leaves a lock that is no longer ours', async () => {
    const path = await tempLedger();
    const warnings: string[] = [];
    const release = await acquireLock(path, { onWarning: (m) => warnings.push(m) });
    const theirs = JSON.stringify({ pid: 1, host: 'other', started: 'y' });
    await writeFile(`${path}.lock`, theirs);
    await release.release();
    expect(await readFile(`${path}.lock`, 'utf8')).toBe(theirs);
    expect(warnings).toEqual([`lock file ${path}.lock was replaced by another process while this run held it; leaving it`]);
  });
});
