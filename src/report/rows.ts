// Report rows: one flat row per ledger item, the shape both exports (CSV, JSON) print. The
// column list is defined here once.
import type { ItemStatus } from '../ledger/event.js';
import type { LedgerState } from '../ledger/replay.js';

/** The report's columns, in order: the CSV header and the keys of every JSON row. */
export const REPORT_COLUMNS = [
  'kind',
  'key',
  'status',
  'community_id',
  'chat_id',
  'group_id',
  'share_url',
  'error_code',
  'error_message',
  'attempts',
  'updated_at',
] as const;
export type ReportColumn = (typeof REPORT_COLUMNS)[number];

/** An item's status, or `in_flight` when its latest line is an unanswered attempt (a run died). */
export type ReportStatus = ItemStatus | 'in_flight';

export interface ReportRow {
  kind: 'community' | 'group';
  key: string;
  status: ReportStatus;
  community_id: string | null;
  chat_id: string | null;
  group_id: string | null;
  share_url: string | null;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  updated_at: string;
}

/** The statuses `--failed` keeps: everything a re-run may still change. */
export const UNRESOLVED_STATUSES: ReadonlySet<ReportStatus> = new Set<ReportStatus>(['failed', 'in_doubt', 'in_flight']);

/**
 * One row per item, in ledger order (first appearance). An item whose latest line is an attempt
 * is `in_flight` even if an earlier run had settled it: the request may have reached the server.
 * Missing values are null (JSON) and empty cells (CSV).
 */
export function* reportRows(state: LedgerState): Generator<ReportRow> {
  for (const s of state.items.values()) {
    yield {
      kind: s.kind,
      key: s.key,
      status: s.inFlight || s.status === undefined ? 'in_flight' : s.status,
      community_id: s.community_id ?? null,
      chat_id: s.chat_id ?? null,
      group_id: s.group_id ?? null,
      share_url: s.share_url ?? null,
      error_code: s.error_code ?? null,
      error_message: s.error_message ?? null,
      attempts: s.attempts,
      updated_at: s.updated_at,
    };
  }
}

export function isUnresolved(row: ReportRow): boolean {
  return UNRESOLVED_STATUSES.has(row.status);
}

/** The rows `--failed` prints: failed, in doubt, or in flight. */
export function* unresolvedRows(rows: Iterable<ReportRow>): Generator<ReportRow> {
  for (const row of rows) if (isUnresolved(row)) yield row;
}
