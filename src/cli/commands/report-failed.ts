// `report --failed <manifests...>`: the items that need a person, joined to their manifest
// entries, as a manifest CSV to fix and feed back to `apply` (or as JSON for scripts). Each
// row's reason is in its `_reason` column (the loader ignores `_` columns) and on stderr.
import { EXIT, ManifestError, formatFault, type ExitCode } from '../../errors.js';
import type { LedgerState } from '../../ledger/replay.js';
import type { ManifestLimits } from '../../manifest/limits.js';
import { makePlan } from '../../plan/make-plan.js';
import { failedItems } from '../../report/failed-items.js';
import { manifestCsv, manifestRow } from '../../report/manifest-csv.js';
import type { Output } from '../output.js';
import { reportFaults } from './validate.js';

/** Reason lines printed before "… and N more". */
const REASON_LIMIT = 20;

export interface FailedExport {
  /** The document to write (CSV or JSON). */
  text: string;
  rows: number;
}

export async function exportFailed(
  files: string[],
  ledger: LedgerState,
  format: 'csv' | 'json',
  options: { bom?: boolean; target: string; limits?: Partial<ManifestLimits> },
  out: Output,
): Promise<FailedExport | ExitCode> {
  let made;
  try {
    made = await makePlan(files, { ledger, limits: options.limits });
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    reportFaults(error, out);
    return EXIT.usage;
  }
  for (const w of made.warnings) out.warn(formatFault(w));
  const items = failedItems(made.plan, ledger);
  const rows = items.map((f) => manifestRow(f.item));

  if (format === 'json') {
    const doc = items.map((f, i) => {
      // `entry` is the item as a YAML manifest would write it (top-level groups: with their parent).
      const r = rows[i]!;
      const entry = { ...(r.community_handle !== undefined ? { community_handle: r.community_handle } : {}), ...(r.community_id !== undefined ? { community_id: r.community_id } : {}), ...(r.key !== undefined ? { key: r.key } : {}), ...r.body };
      return { kind: f.item.kind, key: f.item.key, status: f.status, reason: f.reason, file: f.item.file, line: f.item.line, entry };
    });
    return { text: `${JSON.stringify(doc, null, 2)}\n`, rows: items.length };
  }

  const csv = manifestCsv(rows, { bom: options.bom, notes: items.map((f) => ({ status: f.status, reason: f.reason })) });
  // Why each row is there, by the line it has in the file: the spreadsheet cannot hold it.
  const reasons = items.map((f, i) => `  ${options.target}:${csv.lines[i]}: ${f.status}: ${f.item.kind} ${f.item.key}: ${f.reason}`);
  if (reasons.length > 0) {
    out.note(`${items.length} item${items.length === 1 ? '' : 's'} need${items.length === 1 ? 's' : ''} a person (fix the rows, then apply the file):\n${reasons.slice(0, REASON_LIMIT).join('\n')}${
      reasons.length > REASON_LIMIT ? `\n  … and ${reasons.length - REASON_LIMIT} more (report --failed --format json lists every reason)` : ''
    }`);
  }
  for (const l of csv.lost) out.warn(`${l}: an empty value cannot be written as a CSV cell and is left out`);
  if (csv.formulaCells > 0) {
    out.warn(
      `${csv.formulaCells} cell${csv.formulaCells === 1 ? '' : 's'} start${csv.formulaCells === 1 ? 's' : ''} with =, +, - or @ and ${csv.formulaCells === 1 ? 'is' : 'are'} kept as written so apply reads ${csv.formulaCells === 1 ? 'it' : 'them'} back unchanged: open the file in a spreadsheet with Data > From Text/CSV (columns as Text), not by double-clicking`,
    );
  }
  return { text: csv.text, rows: items.length };
}
