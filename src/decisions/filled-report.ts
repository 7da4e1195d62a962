// The error file of `report --failed <manifests>`, once a person has filled it in, read back as
// decisions: a row's `_decision` cell (verdict-cell.ts), or a community row's `community_id`
// cell (adopt). The CSV and the JSON form (`--format json`, a `decision` field per entry).
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isSeq, isMap } from 'yaml';
import type { ItemKind } from '../api/schema.js';
import { ConfigError } from '../errors.js';
import type { Decision } from '../ledger/bulk-resolve.js';
import type { Resolution } from '../ledger/resolve.js';
import { groupKey } from '../item-key.js';
import { isBlankRow, readCsvRows } from './csv-rows.js';
import { parseVerdict } from './verdict-cell.js';

export interface ReadDecisions {
  decisions: Decision[];
  /** Rows that cannot be read as a decision, `file:line: why`: nothing is written while there is one. */
  refusals: string[];
  /** Rows with no decision and no id filled in: left alone. */
  leftAsIs: number;
}

/** The report's note columns a decision is read from (report/manifest-csv.ts writes them). */
const DECISION = '_decision';
const LEDGER_KEY = '_ledger_key';

/** Reads the file as JSON when it starts with `[`, else as CSV. */
export async function readFilledReport(file: string): Promise<ReadDecisions> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  return text.replace(/^\uFEFF/, '').trimStart().startsWith('[') ? fromJson(file, text) : fromCsv(file);
}

/** What one row says: its verdict from the decision cell and the community_id cell together. */
function rowVerdict(kind: string, decisionText: string, communityId: string): Resolution | string | undefined {
  const said = parseVerdict(decisionText);
  if (typeof said === 'string') return said;
  const id = kind === 'community' ? communityId.trim() : '';
  if (id === '') return said;
  // A community row whose community_id is filled in: adopted, as `apply` of the file would.
  if (said === undefined) return { action: 'adopt', communityId: id };
  if (said.action === 'adopt' && said.communityId === id) return said;
  return `the community_id cell (${id}) adopts the community, and the decision says "${decisionText.trim()}": keep one`;
}

async function fromCsv(file: string): Promise<ReadDecisions> {
  const rows = await readCsvRows(file);
  const headerAt = rows.findIndex((r) => !isBlankRow(r.cells));
  if (headerAt === -1) throw new ConfigError(`${file} is empty: give the file report --failed <manifests> wrote, with its ${DECISION} cells filled in`);
  const names = rows[headerAt]!.cells.map((c) => c.trim());
  const col = (name: string) => names.indexOf(name);
  const at = { kind: col('kind'), decision: col(DECISION), ledgerKey: col(LEDGER_KEY), handle: col('handle'), communityHandle: col('community_handle'), communityId: col('community_id'), key: col('key') };
  // Without it this could be any manifest, whose community_id cells would all read as adoptions.
  if (at.decision === -1 || at.kind === -1) {
    throw new ConfigError(`${file}:${rows[headerAt]!.line}: no ${at.kind === -1 ? 'kind' : DECISION} column: --from reads the file report --failed <manifests> writes (its ${DECISION} column filled in)`);
  }
  const out: ReadDecisions = { decisions: [], refusals: [], leftAsIs: 0 };
  for (const { cells, line } of rows.slice(headerAt + 1)) {
    if (isBlankRow(cells)) continue;
    const cell = (i: number) => (i === -1 ? '' : (cells[i] ?? ''));
    const place = `${file}:${line}`;
    const judged = judgeRow(out, place, cell(at.kind).trim(), cell(at.decision), cell(at.communityId));
    if (judged === undefined) continue;
    const { kind, verdict } = judged;
    // The key the report wrote; for a file whose `_ledger_key` column was lost, the manifest's own spelling.
    const parent = cell(at.communityHandle).trim() || cell(at.communityId).trim();
    const key = cell(at.ledgerKey).trim() || (kind === 'community' ? cell(at.handle).trim() : parent && cell(at.key).trim() ? groupKey(parent, cell(at.key)) : '');
    if (key === '') {
      out.refusals.push(`${place}: no ${LEDGER_KEY} (and no ${kind === 'community' ? 'handle' : 'community_handle and key'}) to find the item by`);
      continue;
    }
    out.decisions.push({ kind, key, resolution: verdict, place });
  }
  return out;
}

/**
 * A row's kind and verdict, the same for both formats; undefined when the row is left as is or
 * refused (counted in `out`, the refusal naming `place`).
 */
function judgeRow(out: ReadDecisions, place: string, kind: string, decision: string, communityId: string): { kind: ItemKind; verdict: Resolution } | undefined {
  const verdict = rowVerdict(kind, decision, communityId);
  if (verdict === undefined) {
    out.leftAsIs++;
    return undefined;
  }
  if (typeof verdict === 'string') {
    out.refusals.push(`${place}: ${verdict}`);
    return undefined;
  }
  if (kind !== 'community' && kind !== 'group') {
    out.refusals.push(`${place}: kind "${kind}" is neither community nor group`);
    return undefined;
  }
  return { kind, verdict };
}

function fromJson(file: string, text: string): ReadDecisions {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const bad = doc.errors[0];
  if (bad) throw new ConfigError(`${file}:${bad.linePos?.[0].line ?? 1}: not valid JSON: ${bad.message.split('\n')[0]}`);
  if (!isSeq(doc.contents)) throw new ConfigError(`${file}: not a list of entries: --from reads the file report --failed --format json <manifests> writes`);
  const out: ReadDecisions = { decisions: [], refusals: [], leftAsIs: 0 };
  for (const node of doc.contents.items) {
    const line = node && typeof node === 'object' && 'range' in node && node.range ? lineCounter.linePos(node.range[0]).line : 1;
    const place = `${file}:${line}`;
    if (!isMap(node)) {
      out.refusals.push(`${place}: not an entry ({ "kind", "key", "decision", … })`);
      continue;
    }
    const entry = node.toJSON() as { kind?: unknown; key?: unknown; decision?: unknown; entry?: { community_id?: unknown } };
    const decision = entry.decision == null ? '' : String(entry.decision);
    const communityId = typeof entry.entry?.community_id === 'string' ? entry.entry.community_id : '';
    const judged = judgeRow(out, place, typeof entry.kind === 'string' ? entry.kind : '', decision, communityId);
    if (judged === undefined) continue;
    const { kind, verdict } = judged;
    if (typeof entry.key !== 'string' || entry.key === '') {
      out.refusals.push(`${place}: no "key" (the ledger key report --failed wrote) to find the item by`);
      continue;
    }
    out.decisions.push({ kind, key: entry.key, resolution: verdict, place });
  }
  return out;
}
