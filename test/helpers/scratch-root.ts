// vitest globalSetup: one scratch directory per test run, made the workers' TMPDIR, so every
// temporary directory a test makes (theirs, the ledgers', the clusters') goes when the run ends,
// whichever file made it. Per-file cleanup hooks cannot do that once files share a worker.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'genuin-tests-'));
  // Traversable by the PostgreSQL test cluster's own system user (its data directory is inside).
  chmodSync(root, 0o711);
  const before = process.env.TMPDIR;
  // Workers are forked after global setup and inherit this environment.
  process.env.TMPDIR = root;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    if (process.env.GENUIN_TEST_KEEP !== '1') rmSync(root, { recursive: true, force: true });
  };
}
