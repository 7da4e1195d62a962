// A holder this process cannot judge by its pid (another PID namespace, boot or host, or a lock
// file that names none) is never taken over on a pid that is free here: its heartbeat decides
// whether it is alive, and only a person's word (`takeStale`, `ledger unlock`) takes it over.
import { open, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, LockHeldError, StaleLockError } from '../../src/ledger/lock.js';
import { beatDigits, beatOffset, ownPlace, type Holder } from '../../src/ledger/lock-holder.js';
import { tempLedger } from './helpers.js';
import { deadPid, holderText, steppingClock } from './lock-helpers.js';

const FOREIGN_NS = 'pid:[4026599999]';

/** A ledger whose lock file names a holder in another PID namespace of this host and boot, with a pid free here. */
async function foreignHolder(fields: Partial<Holder> = {}) {
  const path = await tempLedger();
  const pid = await deadPid();
  const text = holderText({ pid, pidns: FOREIGN_NS, ...fields });
  await writeFile(`${path}.lock`, text);
  return { path, pid, text, file: `${path}.lock` };
}

/** Advances the beat counter of the lock file in place, as its holder does. */
async function beat(file: string, text: string, n: number): Promise<void> {
  const handle = await open(file, 'r+');
  await handle.write(beatDigits(n), beatOffset(text), 'utf8');
  await handle.close();
}

describe('a holder in another PID namespace of this host', () => {
  it.skipIf(ownPlace().pidns === undefined)('with a pid that is free here is not taken over: its heartbeat stood still, so a person must say', async () => {
    const { path, pid, text, file } = await foreignHolder();
    const clock = steppingClock();
    const waiting: string[] = [];
    const error = await acquireLock(path, { clock, onWaiting: (m) => waiting.push(m) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StaleLockError);
    expect((error as Error).message).toBe(
      `ledger ${path} is in use by pid ${pid} on ${ownPlace().host} since 2026-11-01T00:00:00.000Z (lock file ${file}), a run in another PID namespace (${FOREIGN_NS}; this run is in ${ownPlace().pidns}), so this run cannot prove it gone, and its heartbeat has not moved for 30 s; if no run is using this ledger, take the lock over with: genuin-provision ledger unlock --ledger ${path}`,
    );
    expect(clock.now()).toBe(30_000); // watched over the taker's own clock, for the stated time
    expect(waiting).toEqual([expect.stringMatching(/: watching its heartbeat for up to 30 s$/)]);
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('whose heartbeat moves is alive: LockHeldError (exit 4 with --skip-if-locked), also on a person\'s word', async () => {
    for (const takeStale of [false, true]) {
      const { path, text, file } = await foreignHolder();
      const clock = steppingClock((at) => (at === 6_000 ? beat(file, text, 1) : undefined));
      const error = await acquireLock(path, { clock, takeStale }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LockHeldError);
      expect((error as Error).message).toMatch(/, a run in another PID namespace \(.*\), whose heartbeat is alive; wait for that run$/);
      expect(clock.now()).toBe(6_000); // refused as soon as the beat was seen
      expect(await readFile(file, 'utf8')).not.toBe(text); // left as the holder keeps it
    }
  });

  it('a person\'s word takes it over once its heartbeat has stood still for staleAfterMs, with a warning', async () => {
    const { path, pid, file } = await foreignHolder();
    const clock = steppingClock();
    const warnings: string[] = [];
    const lock = await acquireLock(path, { clock, takeStale: true, staleAfterMs: 45_000, onWarning: (m) => warnings.push(m) });
    expect(clock.now()).toBe(45_000);
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^taking over lock ${file} of pid ${pid} on .*, a run in another PID namespace .*: its heartbeat stood still for 45 s, and a person said it is gone$`))]);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid, pid_ns: ownPlace().pidns });
    await lock.release();
    expect(await readdir(dirname(path))).toEqual([]);
  });

  it('a holder that beats slowly is watched for 3 of its own intervals', async () => {
    const { path } = await foreignHolder({ heartbeatMs: 20_000 });
    const clock = steppingClock();
    await expect(acquireLock(path, { clock })).rejects.toThrow(/its heartbeat has not moved for 60 s/);
    expect(clock.now()).toBe(60_000);
  });

  it('a lock file that goes away while watched is taken at once', async () => {
    const { path, file } = await foreignHolder();
    const clock = steppingClock((at) => (at === 1_000 ? unlink(file) : undefined));
    const lock = await acquireLock(path, { clock });
    expect(JSON.parse(await readFile(file, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });
});

describe('other places a pid means nothing', () => {
  it('another boot of this host (a restart, or another machine of the same name), and a lock file naming no namespace', async () => {
    const cases = [
      { fields: { boot: '00000000-0000-0000-0000-000000000000' }, where: /a run under another boot of / },
      { fields: { boot: undefined, pidns: undefined, heartbeatMs: undefined }, where: /a run in a PID namespace its lock file does not name \(an older version wrote it\), so this run cannot prove it gone, and it keeps no heartbeat/ },
    ];
    for (const { fields, where } of ownPlace().pidns === undefined ? [] : cases) {
      const { path, text, file } = await foreignHolder({ pidns: ownPlace().pidns, ...fields });
      const error = await acquireLock(path, { clock: steppingClock() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StaleLockError);
      expect((error as Error).message).toMatch(where);
      expect(await readFile(file, 'utf8')).toBe(text);
    }
  });

  it('the same namespace, host and boot: a free pid is proof, taken over at once without watching', async () => {
    const { path, pid } = await foreignHolder({ pidns: ownPlace().pidns });
    const clock = steppingClock();
    const warnings: string[] = [];
    const lock = await acquireLock(path, { clock, onWarning: (m) => warnings.push(m) });
    expect(clock.sleeps).toBe(0);
    expect(warnings).toEqual([`taking over stale lock ${path}.lock left by pid ${pid} (started 2026-11-01T00:00:00.000Z)`]);
    await lock.release();
  });

  it('the same namespace, a pid that is taken (this process): refused at once; a person\'s word watches its heartbeat first', async () => {
    const { path, text, file } = await foreignHolder({ pid: process.pid, pidns: ownPlace().pidns });
    const clock = steppingClock();
    await expect(acquireLock(path, { clock })).rejects.toThrow(LockHeldError);
    expect(clock.sleeps).toBe(0);
    const lock = await acquireLock(path, { clock, takeStale: true });
    expect(clock.now()).toBe(30_000);
    expect(await readFile(file, 'utf8')).not.toBe(text);
    await lock.release();
  });
});

describe('the holder keeps a heartbeat', () => {
  it('records its place, and rewrites only the beat digits while it holds the lock', async () => {
    const path = await tempLedger();
    const lock = await acquireLock(path, { heartbeatMs: 5 });
    const first = await readFile(lock.file, 'utf8');
    expect(JSON.parse(first)).toMatchObject({ pid: process.pid, host: ownPlace().host, boot_id: ownPlace().boot, pid_ns: ownPlace().pidns, heartbeat_ms: 5, beat: expect.stringMatching(/^\d{12}$/) });
    let now = first;
    // Waits for the holder's timer to fire (an event, however slow the machine), not for a set time.
    while (now === first) {
      await new Promise((r) => setTimeout(r, 5));
      now = await readFile(lock.file, 'utf8');
    }
    expect(now.length).toBe(first.length);
    expect({ ...JSON.parse(now), beat: undefined }).toEqual({ ...JSON.parse(first), beat: undefined });
    expect(Number(JSON.parse(now).beat)).toBeGreaterThan(Number(JSON.parse(first).beat));
    await lock.assertHeld(); // a beat is not a replacement
    await lock.release();
  });
});
