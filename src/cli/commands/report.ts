// `report`: the ledger's latest state, one row per item, as CSV or JSON, to stdout or a file.
// With --failed and the run's manifests: the items that need a person, as manifest rows.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { ConfigError, EXIT, type ExitCode } from '../../errors.js';
import { readLedger } from '../../ledger/replay.js';
import { csvChunks } from '../../report/csv.js';
import { jsonChunks } from '../../report/json.js';
import { reportRows, unresolvedRows } from '../../report/rows.js';
import type { Environment } from '../environment.js';
import type { Output } from '../output.js';
import { ledgerPathFor } from './ledger-path.js';
import { exportFailed } from './report-failed.js';
import { limitsFromEnv } from '../../config/limits.js';

export interface ReportFlags {
  ledger?: string;
  format?: 'csv' | 'json';
  out?: string;
  failed?: boolean;
  bom?: boolean;
  simulate?: boolean;
  env: Environment;
}

export async function runReport(files: string[], flags: ReportFlags, out: Output): Promise<ExitCode> {
  if (files.length > 0 && !flags.failed) {
    throw new ConfigError('manifests are only read with --failed (report --failed --out fix.csv <manifests...>); without --failed, report the whole ledger: genuin-provision report');
  }
  const path = ledgerPathFor(flags);
  const state = await readLedger(path, { onWarning: (m) => out.warn(m) });
  let chunks: Iterable<string>;
  if (files.length > 0) {
    const exported = await exportFailed(files, state, flags.format ?? 'csv', { bom: flags.bom, target: flags.out ?? '(stdout)', limits: limitsFromEnv(flags.env) }, out);
    if (typeof exported === 'number') return exported;
    chunks = [exported.text];
  } else {
    let rows = reportRows(state);
    if (flags.failed) rows = unresolvedRows(rows);
    chunks = flags.format === 'json' ? jsonChunks(rows) : csvChunks(rows, { bom: flags.bom });
  }
  // Reports hold ids and phone-bearing keys: owner-only, like the ledger.
  const sink = flags.out ? createWriteStream(flags.out, { mode: 0o600 }) : process.stdout;
  for (const chunk of chunks) {
    if (!sink.write(chunk)) await once(sink, 'drain');
  }
  if (flags.out) {
    const file = sink as ReturnType<typeof createWriteStream>;
    file.end();
    await once(file, 'finish');
    out.note(`wrote ${flags.out} from ${path}`);
  }
  return EXIT.ok;
}
