// `ledger append <file>`: the ledger lines a run printed because it could not write them.
import { EXIT, type ExitCode } from '../../errors.js';
import { ledgerConfig } from '../../config/run-config.js';
import { appendLedgerLines } from '../../pipeline/ledger.js';
import type { Environment } from '../environment.js';
import type { Output } from '../output.js';

export async function runAppend(file: string, flags: { ledger?: string; simulate?: boolean; env: Environment }, out: Output): Promise<ExitCode> {
  const config = ledgerConfig(flags, flags.env);
  const path = config.ledgerPath;
  const { appended, skipped } = await appendLedgerLines(file, config, { onWarning: (m) => out.warn(m) });
  out.info(`appended ${appended} line${appended === 1 ? '' : 's'} to ${path}${skipped ? ` (${skipped} other line${skipped === 1 ? '' : 's'} of ${file} skipped: not ledger lines)` : ''}`);
  return EXIT.ok;
}
