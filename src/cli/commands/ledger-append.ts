// `ledger append <file>`: the ledger lines a run printed because it could not write them.
import { resolve as absolute } from 'node:path';
import { EXIT, type ExitCode } from '../../errors.js';
import { appendLines } from '../../ledger/append.js';
import type { Environment } from '../environment.js';
import type { Output } from '../output.js';
import { ledgerPathFor } from './ledger-path.js';

export async function runAppend(file: string, flags: { ledger?: string; simulate?: boolean; env: Environment }, out: Output): Promise<ExitCode> {
  const path = absolute(ledgerPathFor(flags));
  const { appended, skipped } = await appendLines(path, file, { onWarning: (m) => out.warn(m) });
  out.info(`appended ${appended} line${appended === 1 ? '' : 's'} to ${path}${skipped ? ` (${skipped} other line${skipped === 1 ? '' : 's'} of ${file} skipped: not ledger lines)` : ''}`);
  return EXIT.ok;
}
