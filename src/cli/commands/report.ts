// `report`: the ledger's latest state, one row per item, as CSV or JSON, to stdout or a file.
// With the run's manifests: blocked groups too (only the plan knows them); with --failed and
// the manifests: the items that need a person, as manifest rows; with --by-community: one row per
// community with the tally of its groups.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { EXIT, ManifestError, type ExitCode } from '../../errors.js';
import { resolveRunConfig } from '../../config/run-config.js';
import { COMMUNITY_COLUMNS, csvChunks, csvChunksOf, jsonChunks, reportByCommunity, reportFailedItems, reportLedger, type ReportObservers } from '../../pipeline/report.js';
import type { Environment } from '../environment.js';
import { reportFaults } from '../faults.js';
import type { Output } from '../output.js';
import { failedExport } from '../report-failed.js';

export interface ReportFlags {
  ledger?: string;
  format?: 'csv' | 'json';
  out?: string;
  failed?: boolean;
  byCommunity?: boolean;
  bom?: boolean;
  simulate?: boolean;
  env: Environment;
}

export async function runReport(files: string[], flags: ReportFlags, out: Output): Promise<ExitCode> {
  const config = resolveRunConfig({ flags, env: flags.env, requireApi: false });
  const observers: ReportObservers = {
    onWarning: (m) => out.warn(m),
    onLedger: (path) => {
      if (!flags.out) out.note(`ledger: ${path}`);
    },
  };
  let chunks: Iterable<string>;
  try {
    if (flags.byCommunity) {
      const { communities } = await reportByCommunity(files, config, observers);
      chunks = flags.format === 'json' ? jsonChunks(communities) : csvChunksOf(communities, COMMUNITY_COLUMNS, { bom: flags.bom });
    } else if (files.length > 0 && flags.failed) {
      const report = await reportFailedItems(files, config, observers);
      chunks = [failedExport(report, flags.format ?? 'csv', { bom: flags.bom, target: flags.out ?? '(stdout)' }, out).text];
    } else {
      const { rows } = await reportLedger(files, config, { failed: flags.failed }, observers);
      chunks = flags.format === 'json' ? jsonChunks(rows) : csvChunks(rows, { bom: flags.bom });
    }
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    reportFaults(error, out);
    return EXIT.usage;
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
    out.note(`wrote ${flags.out} from ${config.ledgerPath}`);
  }
  return EXIT.ok;
}
