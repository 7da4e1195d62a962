// Compaction's temporary files, next to the real ledger file: how they are named, and the removal
// of those an interrupted compaction left behind (safe only while holding the ledger lock).
import { nodeCrypto } from '../node-crypto.js';
import { readdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A fresh temporary file name for compacting the ledger whose real path is `realLedger`. */
export function compactTempPath(realLedger: string): string {
  return `${realLedger}.compact-${process.pid}-${nodeCrypto().randomBytes(4).toString('hex')}.tmp`;
}

/** `.compact-<pid>-<hex>.tmp` today; `.tmp-<pid>` from versions before it. */
const TEMP_SUFFIX = /^\.(?:compact-\d+-[0-9a-f]+\.tmp|tmp-\d+)$/;

/**
 * Removes the temporary files of compactions of this ledger that never finished. The caller
 * holds the lock, so no compaction is running: every such file is a leftover, and the ledger
 * itself is whole (a compaction replaces it only by its final rename). Returns the paths removed.
 */
export async function removeCompactLeftovers(realLedger: string, onWarning?: (message: string) => void): Promise<string[]> {
  const dir = dirname(realLedger);
  const base = basename(realLedger);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return []; // an unreadable directory: the leftovers (if any) stay, nothing else is at stake
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(base) || !TEMP_SUFFIX.test(name.slice(base.length))) continue;
    const path = join(dir, name);
    try {
      await unlink(path);
      removed.push(path);
      onWarning?.(`removed ${path}, left by an interrupted compaction of this ledger`);
    } catch {
      // Gone already, or not ours to remove: it does not change the ledger.
    }
  }
  return removed;
}
