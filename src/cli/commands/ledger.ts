// `ledger compact`: rewrite the ledger as one line per item, atomically. `ledger resolve` and
// `ledger show` (a person's verdict on an item, an item's history) live in their own files.
import { EXIT, type ExitCode } from '../../errors.js';
import { compactLedger } from '../../ledger/compact.js';
import type { Environment } from '../environment.js';
import type { Output } from '../output.js';
import { ledgerPathFor } from './ledger-path.js';

export { runResolve } from './ledger-resolve.js';
export { runShow } from './ledger-show.js';

export async function runCompact(flags: { ledger?: string; env: Environment }, out: Output): Promise<ExitCode> {
  const path = ledgerPathFor(flags);
  const result = await compactLedger(path, { onWarning: (m: string) => out.warn(m) });
  out.info(`compacted ${path}: ${JSON.stringify(result)}`);
  return EXIT.ok;
}
