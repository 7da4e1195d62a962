// `report`: the ledger's latest state, one row per item, as CSV or JSON, to stdout or a file.
// With the run's manifests: blocked groups too (only the plan knows them); with --failed and
// the manifests: the items that need a person, as manifest rows.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { ConfigError, EXIT, ManifestError, formatFault, type ExitCode } from '../../errors.js';
import { readLedger } from '../../ledger/replay.js';
import { csvChunks } from '../../report/csv.js';
import { jsonChunks } from '../../report/json.js';
import { reportRows, reportRowsWithPlan, unresolvedRows, type ReportRow } from '../../report/rows.js';
import { makePlan } from '../../plan/make-plan.js';
import type { LedgerState } from '../../ledger/replay.js';
import type { ManifestLimits } from '../../manifest/limits.js';
import { reportFaults } from './validate.js';
import type { Environment } from '../environment.js';
import type { Output } from '../output.js';
import { ledgerExists, ledgerPathFor, ledgerRuleText } from './ledger-path.js';
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
  const path = ledgerPathFor(flags);
  const state = await readLedger(path, { onWarning: (m) => out.warn(m) });
  // An empty report from a ledger that is not there reads as "nothing was ever created"
  // (a run from another directory). Faults in the manifests given are still told first.
  if (!ledgerExists(path)) {
    if (files.length > 0) {
      const checked = await rowsWithPlan(files, state, limitsFromEnv(flags.env), out);
      if (typeof checked === 'number') return checked;
    }
    throw new ConfigError(`ledger ${path} does not exist yet: nothing to report; ${ledgerRuleText()}`);
  }
  if (!flags.out) out.note(`ledger: ${path}`);
  let chunks: Iterable<string>;
  if (files.length > 0 && !flags.failed) {
    const rows = await rowsWithPlan(files, state, limitsFromEnv(flags.env), out);
    if (typeof rows === 'number') return rows;
    chunks = flags.format === 'json' ? jsonChunks(rows) : csvChunks(rows, { bom: flags.bom });
  } else if (files.length > 0) {
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

/** The ledger's rows plus the blocked (and abandoned-with-their-community) items of the manifests' plan. */
async function rowsWithPlan(files: string[], ledger: LedgerState, limits: Partial<ManifestLimits>, out: Output): Promise<Iterable<ReportRow> | ExitCode> {
  let made;
  try {
    made = await makePlan(files, { ledger, limits, keepBodies: false });
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    reportFaults(error, out);
    return EXIT.usage;
  }
  for (const w of made.warnings) out.warn(formatFault(w));
  return reportRowsWithPlan(ledger, made.plan);
}
