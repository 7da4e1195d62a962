// `ledger compact`: rewrite the ledger as one line per item, atomically. `ledger resolve`, `show`
// and `append` live in their own files. One file per command (not changesets' folder per command):
// each command is one short function over the pipeline, and a folder around it would hold nothing else.
import { EXIT, type ExitCode } from '../../errors.js';
import { ledgerConfig } from '../../config/run-config.js';
import { compactLedgerOf } from '../../pipeline/ledger.js';
import type { Environment } from '../environment.js';
import type { Output } from '../output.js';

export async function runCompact(flags: { ledger?: string; env: Environment }, out: Output): Promise<ExitCode> {
  const config = ledgerConfig(flags, flags.env);
  const result = await compactLedgerOf(config, { onWarning: (m: string) => out.warn(m) });
  out.info(`compacted ${config.ledgerPath}: ${JSON.stringify(result)}`);
  return EXIT.ok;
}
