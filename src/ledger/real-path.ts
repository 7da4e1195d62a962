// The real file behind a ledger path: every spelling of one ledger (symlinks, `..`, relative
// paths) resolves to one name, so the lock and compaction act on the file itself.
import { readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** Symlink hops followed before giving up, as the kernel does (ELOOP). */
const MAX_HOPS = 40;

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * The canonical path of the ledger at `path`. A ledger that does not exist yet resolves to
 * where it will be created: a dangling symlink is followed to its target (opening the link
 * with O_CREAT creates that target), and a missing file is its real directory plus its name.
 * Throws the file system's error when the directory itself does not exist.
 */
export async function realLedgerPath(path: string): Promise<string> {
  let p = resolve(path);
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    try {
      return await realpath(p);
    } catch (error) {
      if (errno(error) !== 'ENOENT') throw error;
    }
    let target: string;
    try {
      target = await readlink(p);
    } catch (error) {
      // Not a symlink (EINVAL) or not there at all: the ledger will be a new file in its directory.
      if (errno(error) !== 'EINVAL' && errno(error) !== 'ENOENT') throw error;
      return join(await realpath(dirname(p)), basename(p));
    }
    p = resolve(dirname(p), target);
  }
  throw Object.assign(new Error(`too many levels of symbolic links in ${path}`), { code: 'ELOOP' });
}
