// The lock belongs to the ledger's real file (symlinks, other spellings, hard links), and a
// holder learns at once when its lock is taken from it.
import { access, copyFile, link, mkdir, readdir, rename, symlink, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/errors.js';
import { acquireLock } from '../../src/ledger/lock.js';
import { tempLedger } from './helpers.js';

const exists = (p: string) => access(p).then(() => true, () => false);

/** A promise of the first `onLost` reason, and the options that report it (checked every 10 ms). */
function lossWatch() {
  let report!: (reason: string) => void;
  const lost = new Promise<string>((resolve) => (report = resolve));
  return { lost, options: { onLost: report, watchIntervalMs: 10 } };
}

describe('acquireLock: one lock per real ledger file', () => {
  it('a symlink to the ledger meets the lock of the file itself, which sits next to the real file', async () => {
    const real = await tempLedger();
    await writeFile(real, '');
    const alias = join(dirname(real), 'alias.jsonl');
    await symlink(real, alias);
    const lock = await acquireLock(alias);
    expect(lock.file).toBe(`${real}.lock`);
    expect(lock.ledger).toBe(real);
    const error = await acquireLock(real).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerError);
    expect((error as Error).message).toMatch(
      new RegExp(`^ledger ${real} is in use by pid ${process.pid} on ${hostname()} since \\S+ \\(lock file ${real}\\.lock\\)`),
    );
    await expect(acquireLock(alias)).rejects.toThrow(/is in use by pid/);
    await lock.release();
    expect(await exists(`${alias}.lock`)).toBe(false);
    await (await acquireLock(real)).release();
  });

  it('a symlink in another directory, and one that dangles (the ledger not created yet)', async () => {
    const real = await tempLedger();
    const elsewhere = dirname(await tempLedger());
    const alias = join(elsewhere, 'ledger.jsonl');
    await symlink(real, alias); // dangling: the ledger does not exist yet
    const lock = await acquireLock(alias);
    expect(lock.file).toBe(`${real}.lock`);
    await expect(acquireLock(real)).rejects.toThrow(LedgerError);
    expect(await readdir(elsewhere)).toEqual(['ledger.jsonl']);
    await lock.release();
  });

  // The kernel already resolved these for a lock named `${path}.lock`; kept so naming the lock
  // after the real path never loses them.
  it('other spellings of the same path: `..`, through a symlinked directory', async () => {
    const real = await tempLedger();
    const dir = dirname(real);
    await mkdir(join(dir, 'sub'));
    await symlink(dir, join(dir, 'same'));
    const lock = await acquireLock(real);
    for (const spelling of [`${dir}/sub/../ledger.jsonl`, `${dir}/same/ledger.jsonl`, `${dir}/same/sub/../ledger.jsonl`]) {
      await expect(acquireLock(spelling)).rejects.toThrow(/is in use by pid/);
    }
    await lock.release();
  });

  it('a ledger with a second name (hard link) is refused under every name, also when linked while another run holds it', async () => {
    const real = await tempLedger();
    await writeFile(real, '');
    const lock = await acquireLock(real);
    const other = join(dirname(real), 'other.jsonl');
    await link(real, other);
    const error = await acquireLock(other).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerError);
    expect((error as Error).message).toBe(
      `ledger ${other} has 2 names (hard links), and a lock covers one name: two runs could share it; keep one name (make the others symlinks, or copy the file) and run again`,
    );
    expect(await exists(`${other}.lock`)).toBe(false); // the refused run leaves no lock behind
    await lock.release();
    await expect(acquireLock(real)).rejects.toThrow(/has 2 names \(hard links\)/);
    await unlink(other);
    await (await acquireLock(real)).release();
  });

  it('removes the temporary files of an interrupted compaction, and nothing else', async () => {
    const real = await tempLedger();
    const dir = dirname(real);
    await writeFile(real, '');
    const leftovers = [`${real}.compact-4242-0badf00d.tmp`, `${real}.tmp-4242`];
    for (const f of leftovers) await writeFile(f, 'half a ledger');
    await writeFile(`${real}.compact-notes.txt`, 'mine');
    await writeFile(join(dir, 'ledger.jsonlx.compact-1-ab.tmp'), 'another ledger');
    const warnings: string[] = [];
    const lock = await acquireLock(real, { onWarning: (m) => warnings.push(m) });
    expect(warnings.sort()).toEqual(leftovers.map((f) => `removed ${f}, left by an interrupted compaction of this ledger`).sort());
    await lock.release();
    expect((await readdir(dir)).sort()).toEqual(['ledger.jsonl', 'ledger.jsonl.compact-notes.txt', 'ledger.jsonlx.compact-1-ab.tmp']);
  });
});

describe('acquireLock: a holder learns at once that its lock was lost', () => {
  it('lock file removed: onLost names it, assertHeld rejects, release says nothing more', async () => {
    const path = await tempLedger();
    const watch = lossWatch();
    const warnings: string[] = [];
    const lock = await acquireLock(path, { ...watch.options, onWarning: (m) => warnings.push(m) });
    await lock.assertHeld();
    await unlink(lock.file);
    const reason = await watch.lost;
    expect(reason).toBe(`lock file ${path}.lock was removed while this run held it`);
    expect(lock.lost).toBe(reason);
    await expect(lock.assertHeld()).rejects.toThrow(
      new LedgerError(`lock file ${path}.lock was removed while this run held it; another process may be using this ledger`),
    );
    await lock.release();
    expect(warnings).toEqual([]);
  });

  it('lock file replaced by another holder, or by a copy of ours (same text, another file)', async () => {
    for (const replace of [
      (file: string) => writeFile(file, JSON.stringify({ pid: 1, host: 'other', started: 'y' })),
      async (file: string) => {
        await copyFile(file, `${file}.copy`);
        await rename(`${file}.copy`, file);
      },
    ]) {
      const path = await tempLedger();
      const watch = lossWatch();
      const lock = await acquireLock(path, watch.options);
      await replace(lock.file);
      expect(await watch.lost).toBe(`lock file ${path}.lock was replaced while this run held it`);
      await lock.release();
      expect(await exists(lock.file)).toBe(true); // not ours to remove
    }
  });

  it('ledger moved away or replaced under the lock', async () => {
    const path = await tempLedger();
    await writeFile(path, '');
    const watch = lossWatch();
    const lock = await acquireLock(path, watch.options);
    await rename(path, `${path}.moved`);
    expect(await watch.lost).toBe(`ledger ${path} was moved or removed while this run held its lock`);
    await lock.release();

    await writeFile(path, '');
    const again = lossWatch();
    const lock2 = await acquireLock(path, again.options);
    await writeFile(`${path}.new`, '');
    await rename(`${path}.new`, path);
    expect(await again.lost).toBe(`ledger ${path} was replaced by another file while this run held its lock`);
    await lock2.release();
  });

  it('a lock left alone is never reported lost, and the check stops with release', async () => {
    const path = await tempLedger();
    let reports = 0;
    const lock = await acquireLock(path, { onLost: () => reports++, watchIntervalMs: 5 });
    await writeFile(path, ''); // the ledger created after the lock (a new ledger) is fine
    for (let i = 0; i < 5; i++) await lock.assertHeld();
    await lock.release();
    expect(reports).toBe(0);
    expect(lock.lost).toBeUndefined();
  });
});
