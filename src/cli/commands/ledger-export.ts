// `ledger export [--output file]`: the ledger's lines as JSON Lines, the bytes a file ledger holds,
// from either store: a PostgreSQL ledger's backup, or the way back to a file.
import { open } from 'node:fs/promises';
import { once } from 'node:events';
import { ConfigError, EXIT, type ExitCode } from '../../errors.js';
import { ledgerConfig } from '../../config/run-config.js';
import { exportLedgerOf } from '../../pipeline/ledger.js';
import type { Environment } from '../environment.js';
import type { Output } from '../output.js';

export interface ExportFlags {
  ledger?: string;
  simulate?: boolean;
  output?: string;
  env: Environment;
}

export async function runExport(flags: ExportFlags, out: Output): Promise<ExitCode> {
  const config = ledgerConfig(flags, flags.env);
  if (!flags.output) {
    const stdout = process.stdout;
    const { lines } = await exportLedgerOf(config, async (text) => {
      if (!stdout.write(text)) await once(stdout, 'drain');
    });
    out.note(`exported ${lines} line${lines === 1 ? '' : 's'} of ${config.ledgerPath}`);
    return EXIT.ok;
  }
  let handle;
  try {
    // Never over an existing file: it may be the very ledger a person means to keep.
    handle = await open(flags.output, 'wx', 0o600);
  } catch (error) {
    throw new ConfigError(`cannot create ${flags.output}: ${(error as Error).message}`);
  }
  try {
    const { lines } = await exportLedgerOf(config, (text) => handle.writeFile(text, 'utf8'));
    await handle.sync();
    out.info(`exported ${lines} line${lines === 1 ? '' : 's'} of ${config.ledgerPath} to ${flags.output}`);
  } finally {
    await handle.close();
  }
  return EXIT.ok;
}
