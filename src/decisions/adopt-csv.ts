// `ledger resolve --adopt <file>`: communities whose handle `exists` adopted many at once, from a
// CSV of `handle,community_id`. A first row reading `handle,community_id` is a header (its
// columns may then come in any order, among others); without one, the first two columns are those.
import { ConfigError } from '../errors.js';
import type { Decision } from '../ledger/bulk-resolve.js';
import { isBlankRow, readCsvRows } from './csv-rows.js';
import type { ReadDecisions } from './filled-report.js';

export async function readAdoptCsv(file: string): Promise<ReadDecisions> {
  const rows = (await readCsvRows(file)).filter((r) => !isBlankRow(r.cells));
  if (rows.length === 0) throw new ConfigError(`${file} is empty: give one "handle,community_id" row per community to adopt`);
  const names = rows[0]!.cells.map((c) => c.trim().toLowerCase());
  const header = names.includes('handle') && names.includes('community_id');
  const handleAt = header ? names.indexOf('handle') : 0;
  const idAt = header ? names.indexOf('community_id') : 1;
  const out: ReadDecisions = { decisions: [], refusals: [], leftAsIs: 0 };
  for (const { cells, line } of header ? rows.slice(1) : rows) {
    const place = `${file}:${line}`;
    const handle = (cells[handleAt] ?? '').trim();
    const id = (cells[idAt] ?? '').trim();
    // Without a header a third cell means the columns are not what they seem (a `;` inside, a shifted row).
    if (!header && cells.slice(2).some((c) => c.trim() !== '')) {
      out.refusals.push(`${place}: ${cells.length} cells: a row is handle,community_id (or give a header row naming those columns)`);
      continue;
    }
    if (handle === '' || id === '') {
      out.refusals.push(`${place}: ${handle === '' ? 'the handle' : 'the community_id'} is empty: a row is handle,community_id`);
      continue;
    }
    const decision: Decision = { kind: 'community', key: handle, resolution: { action: 'adopt', communityId: id }, place };
    out.decisions.push(decision);
  }
  if (out.decisions.length === 0 && out.refusals.length === 0) throw new ConfigError(`${file} holds a header and no rows: give one "handle,community_id" row per community to adopt`);
  return out;
}
