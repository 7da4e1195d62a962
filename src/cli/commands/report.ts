// `report`: the ledger's latest state, one row per item, as CSV or JSON, to stdout or a file.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { EXIT, type ExitCode } from '../../errors.js';
import { readLedger } from '../../ledger/replay.js';
import { csvChunks } from '../../report/csv.js';
import { jsonChunks } from '../../report/json.js';
import { reportRows, unresolvedRows } from '../../report/rows.js';
import type { Environment } from '../environment.js';
import type { Output } from '../output.js';
import { ledgerPathFor } from './ledger-path.js';

export interface ReportFlags {
  ledger?: string;
  format?: 'csv' | 'json';
  out?: string;
  failed?: boolean;
  bom?: boolean;
  simulate?: boolean;
  env: Environment;
}

export async function runReport(flags: ReportFlags, out: Output): Promise<ExitCode> {
  const path = ledgerPathFor(flags);
  const state = await readLedger(path, { onWarning: (m) => out.warn(m) });
  let rows = reportRows(state);
  if (flags.failed) rows = unresolvedRows(rows);
  const chunks = flags.format === 'json' ? jsonChunks(rows) : csvChunks(rows, { bom: flags.bom });
  // Reports hold ids and phone-bearing keys: owner-only, like the ledger.
  const sink = flags.out ? createWriteStream(flags.out, { mode: 0o600 }) : process.stdout;
  for (const chunk of chunks) {
    if (!sink.write(chunk)) await once(sink, 'drain');
  }
  if (flags.out) {
    const file = sink as ReturnType<typeof createWriteStream>;
    file.end();
    await once(file, 'finish');
    out.warn(`wrote ${flags.out} from ${path}`);
  }
  return EXIT.ok;
}
