// `ledger import <file> [--merge]`: a JSON Lines ledger copied into the ledger of --ledger (a
// PostgreSQL database, usually), refused when that one already holds lines unless --merge.
import { EXIT, type ExitCode } from '../../errors.js';
import { ledgerConfig } from '../../config/run-config.js';
import { importLedgerInto } from '../../pipeline/ledger.js';
import type { Environment } from '../environment.js';
import type { Output } from '../output.js';

export interface ImportFlags {
  ledger?: string;
  simulate?: boolean;
  merge?: boolean;
  env: Environment;
}

export async function runImport(file: string, flags: ImportFlags, out: Output): Promise<ExitCode> {
  const config = ledgerConfig(flags, flags.env);
  const result = await importLedgerInto(file, config, { merge: flags.merge, onWarning: (m) => out.warn(m) });
  const after = result.before > 0 ? ` after its ${result.before} line${result.before === 1 ? '' : 's'}` : '';
  out.info(`imported ${result.lines} line${result.lines === 1 ? '' : 's'} (${result.items} items) from ${file} into ${config.ledgerPath}${after}`);
  return EXIT.ok;
}
