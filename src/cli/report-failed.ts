// `report --failed <manifests...>` as a document: the items that need a person as a manifest CSV
// to fix and feed back to `apply` (or as JSON for scripts). Each row's reason is in its `_reason`
// column (the loader ignores `_` columns) and on stderr; its `_decision` cell is for a person's
// verdict, read back by `ledger resolve --from`. The items come from the pipeline.
import { manifestCsv, type FailedReport } from '../pipeline/report.js';
import type { Output } from './output.js';

/** Reason lines printed before "… and N more". */
const REASON_LIMIT = 20;

export interface FailedExport {
  /** The document to write (CSV or JSON). */
  text: string;
  rows: number;
}

/** `target` names where the document goes (a file, or `(stdout)`), for the reason lines. */
export function failedExport(report: FailedReport, format: 'csv' | 'json', options: { bom?: boolean; target: string }, out: Output): FailedExport {
  const { items, rows } = report;
  if (format === 'json') {
    const doc = items.map((f, i) => {
      // `entry` is the item as a YAML manifest would write it (top-level groups: with their parent).
      const r = rows[i]!;
      const entry = { ...(r.community_handle !== undefined ? { community_handle: r.community_handle } : {}), ...(r.community_id !== undefined ? { community_id: r.community_id } : {}), ...(r.key !== undefined ? { key: r.key } : {}), ...r.body };
      // `decision`: for a person to fill in, then `ledger resolve --from` this file (decisions/filled-report.ts).
      return { kind: f.item.kind, key: f.item.key, status: f.status, reason: f.reason, decision: '', file: f.item.file, line: f.item.line, entry };
    });
    return { text: `${JSON.stringify(doc, null, 2)}\n`, rows: items.length };
  }

  const csv = manifestCsv(rows, { bom: options.bom, notes: items.map((f) => ({ status: f.status, reason: f.reason, ledgerKey: f.item.key })) });
  // Why each row is there, by the line it has in the file: the spreadsheet cannot hold it.
  const reasons = items.map((f, i) => `  ${options.target}:${csv.lines[i]}: ${f.status}: ${f.item.kind} ${f.item.key}: ${f.reason}`);
  if (reasons.length > 0) {
    out.note(`${items.length} item${items.length === 1 ? '' : 's'} need${items.length === 1 ? 's' : ''} a person (fix the rows and apply the file, or fill in _decision and run ledger resolve --from the file):\n${reasons.slice(0, REASON_LIMIT).join('\n')}${
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
