// Report rows: one flat row per ledger item (plus, given the plan, the items only the plan
// knows about: blocked groups), the shape both exports (CSV, JSON) print. Columns defined once.
import { stateKey } from '../ledger/event.js';
import { parseGroupKey } from '../item-key.js';
import { carriedIds, REASON, REPORT_FAILED, type Status } from '../status.js';
import type { LedgerState } from '../ledger/replay.js';
import type { Plan, PlanItem } from '../plan/plan.js';

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

/**
 * An item's status, `in_flight` when its latest line is an unanswered attempt (a run died), or
 * `blocked` (from the plan: a group whose parent's id is unknown; never a ledger status).
 */
export type ReportStatus = Status;

export interface ReportRow {
  kind: 'community' | 'group';
  key: string;
  status: ReportStatus;
  /** A community's id; a group's parent's id, when known (a group's ledger lines do not carry it). */
  community_id: string | null;
  chat_id: string | null;
  group_id: string | null;
  share_url: string | null;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  /** Null for a row only the plan knows (nothing was ever written for it). */
  updated_at: string | null;
}

/** The statuses `--failed` keeps: everything a re-run may still change. */
export const UNRESOLVED_STATUSES: ReadonlySet<ReportStatus> = REPORT_FAILED;

/**
 * One row per item, in ledger order (first appearance). An item whose latest line is an attempt
 * is `in_flight` even if an earlier run had settled it: the request may have reached the server.
 * Missing values are null (JSON) and empty cells (CSV).
 */
export function* reportRows(state: LedgerState): Generator<ReportRow> {
  const holders = conflictHolders(state);
  for (const s of state.items.values()) {
    const other = holders.size > 0 ? holders.get(stateKey(s.kind, s.key)) : undefined;
    // The other side of a conflict says so: a person looks at both.
    const note = other !== undefined && s.error_message === undefined ? REASON.holdsConflictedId(carriedIds(s), other.join(', ')) : undefined;
    yield {
      kind: s.kind,
      key: s.key,
      status: s.inFlight || s.status === undefined ? 'in_flight' : s.status,
      community_id: s.community_id ?? (s.kind === 'group' ? parentId(state, s.key) : undefined) ?? null,
      chat_id: s.chat_id ?? null,
      group_id: s.group_id ?? null,
      share_url: s.share_url ?? null,
      error_code: s.error_code ?? null,
      error_message: s.error_message ?? note ?? null,
      attempts: s.attempts,
      updated_at: s.updated_at,
    };
  }
}

/**
 * A group's parent id from its key (`<parent>/<group key>`): the id the ledger holds for a parent
 * named by handle; a parent the ledger has no community for was named by its id (a group is sent
 * only with its parent's id, so a group with ledger lines has one of the two).
 */
function parentId(state: LedgerState, key: string): string | undefined {
  const parent = parseGroupKey(key)?.parent;
  if (parent === undefined) return undefined;
  const community = state.get('community', parent);
  return community ? community.community_id : parent;
}

/**
 * The items that hold an id a conflict carried (by `stateKey`), with the conflicted items
 * (`kind key`) that carried it: the report lists both sides of every conflict.
 */
export function conflictHolders(state: LedgerState): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of state.items.values()) {
    if (s.held_by === undefined) continue;
    const space = s.held_by.indexOf(' ');
    const kind = s.held_by.slice(0, space) === 'group' ? 'group' : 'community';
    const k = stateKey(kind, s.held_by.slice(space + 1));
    out.set(k, [...(out.get(k) ?? []), `${s.kind} ${s.key}`]);
  }
  return out;
}

export function isUnresolved(row: ReportRow): boolean {
  return UNRESOLVED_STATUSES.has(row.status);
}

/**
 * The rows `--failed` prints: failed, in doubt, in flight, conflict (or blocked, in rows made with
 * the plan), and the items that hold an id a conflict carried (`conflictHolders`): both sides.
 */
export function* unresolvedRows(rows: Iterable<ReportRow>, holders: ReadonlyMap<string, string[]> = new Map()): Generator<ReportRow> {
  for (const row of rows) if (isUnresolved(row) || holders.has(stateKey(row.kind, row.key))) yield row;
}

/**
 * A plan item that has a report row even without a ledger line, or that overrides its ledger row:
 * a group the plan blocks (its parent's id is unknown), or a conflicted item the plan keeps
 * blocked; a group that waits for a parent this run would create again, because the ledger has
 * that parent failed or in flight (the run that wrote it counted the group as blocked, and wrote
 * nothing for it); a group skipped with its abandoned community.
 */
function planRow(item: PlanItem, state: LedgerState): { status: 'blocked' | 'abandoned' | 'conflict'; reason?: string } | undefined {
  if (item.action === 'blocked') return { status: item.done === 'conflict' ? 'conflict' : 'blocked', reason: item.reason };
  // A group skipped with its abandoned community has no line of its own.
  if (item.action === 'skip' && item.done === 'abandoned') return { status: 'abandoned', reason: item.reason };
  if (item.kind === 'group' && item.action === 'create' && item.communityId === undefined && item.handle !== undefined) {
    const parent = state.get('community', item.handle);
    if (parent?.inFlight) return { status: 'blocked', reason: REASON.waitsForParent(item.handle) };
    if (parent?.status === 'failed') return { status: 'blocked', reason: REASON.blockedByParent(item.handle, 'failed') };
  }
  return undefined;
}

/**
 * The ledger's rows, with what only the manifests' plan knows: a blocked group (its parent's id
 * is unknown, or its parent failed or was cut in flight) gets status `blocked` and the reason as
 * its error_message, whether or not the ledger has a line for it; a group skipped because its
 * community was abandoned is `abandoned`. Ledger rows come first in ledger order, then plan-only
 * rows in manifest order.
 */
export function* reportRowsWithPlan(state: LedgerState, plan: Plan): Generator<ReportRow> {
  const fromPlan = new Map<string, { item: PlanItem; status: 'blocked' | 'abandoned' | 'conflict'; reason?: string }>();
  for (const item of plan.items) {
    const row = planRow(item, state);
    if (row !== undefined) fromPlan.set(stateKey(item.kind, item.key), { item, ...row });
  }
  for (const row of reportRows(state)) {
    const planned = fromPlan.get(stateKey(row.kind, row.key));
    if (planned === undefined) {
      yield row;
      continue;
    }
    fromPlan.delete(stateKey(row.kind, row.key));
    // A ledger line of its own (an abandoned group, say) says more than its parent's fate.
    if (planned.status === 'abandoned' && row.status === 'abandoned') yield row;
    else yield { ...row, status: planned.status, error_code: null, error_message: planned.reason ?? null };
  }
  for (const { item, status, reason } of fromPlan.values()) {
    yield {
      kind: item.kind,
      key: item.key,
      status,
      community_id: item.communityId ?? null,
      chat_id: null,
      group_id: null,
      share_url: null,
      error_code: null,
      error_message: reason ?? null,
      attempts: 0,
      updated_at: null,
    };
  }
}
