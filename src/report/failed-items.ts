// The manifest items that need a person after a run, joined from the plan (which knows each
// item's manifest entry) and the ledger (which knows what happened): the rows of the "error
// file" that `report --failed <manifests>` writes for fixing and re-applying.
import { stateKey } from '../ledger/event.js';
import type { LedgerState } from '../ledger/replay.js';
import { conflictHolders } from './rows.js';
import { carriedIds, REASON, type Status } from '../status.js';
import type { Plan, PlanItem } from '../plan/plan.js';

export type FailedStatus = Extract<Status, 'failed' | 'in_doubt' | 'in_flight' | 'exists' | 'blocked' | 'conflict'>;

export interface FailedItem {
  item: PlanItem;
  status: FailedStatus;
  /** What happened and what to do, in words for a person. */
  reason: string;
}

function serverSaid(state: { status_code?: number; error_code?: string; error_message?: string }): string {
  const head = [state.status_code !== undefined ? `HTTP ${state.status_code}` : undefined, state.error_code ? `code ${state.error_code}` : undefined]
    .filter(Boolean)
    .join(' ');
  const message = state.error_message ?? 'no message';
  return head ? `${head}: ${message}` : message;
}

/**
 * Every manifest item whose latest outcome needs a person, in manifest order:
 * - failed (the API refused it, or retries ran out): fix the row, re-apply;
 * - in flight (a run died while it was sent), or a community in doubt (a second signal cut its
 *   answer): re-applying a community is safe (its handle is unique); a group is in doubt;
 * - in doubt (a group that may exist): check in Genuin; re-apply with --retry-in-doubt if not;
 * - exists (the handle is taken, its id unknown): fill in community_id to adopt it;
 * - blocked: a group whose parent is in this list (it goes through once the parent does).
 * Items never sent for other reasons (a run stopped early) are not listed: re-running the
 * original manifests does them.
 */
export function failedItems(plan: Plan, ledger: LedgerState): FailedItem[] {
  const picked = new Map<PlanItem, FailedItem>();
  const parents = new Set<string>();
  // Both sides of a conflict: the item that carried another's id (blocked, done `conflict`) and the item holding it.
  const holders = conflictHolders(ledger);
  for (const item of plan.items) {
    const other = holders.size > 0 ? holders.get(stateKey(item.kind, item.key)) : undefined;
    if (other !== undefined && item.action !== 'blocked') {
      picked.set(item, { item, status: 'conflict', reason: REASON.holdsConflictedId(carriedIds(ledger.get(item.kind, item.key) ?? {}), other.join(', ')) });
    }
  }
  for (const item of plan.items) {
    if (item.kind !== 'community') continue;
    const state = ledger.get('community', item.key);
    let found: FailedItem | undefined;
    if (item.action === 'blocked' && item.done === 'conflict') {
      found = { item, status: 'conflict', reason: item.reason! };
    } else if (item.action === 'skip' && item.done === 'exists') {
      found = { item, status: 'exists', reason: item.reason ?? REASON.existsCommunity(item.key) };
    } else if (item.action === 'create' && state?.inFlight) {
      found = { item, status: 'in_flight', reason: REASON.inFlightCommunity };
    } else if (item.action === 'create' && state?.status === 'in_doubt') {
      found = { item, status: 'in_doubt', reason: REASON.inDoubtCommunity(item.key) };
    } else if (item.action === 'create' && state?.status === 'failed') {
      found = { item, status: 'failed', reason: serverSaid(state) };
    }
    if (found) {
      picked.set(item, found);
      parents.add(item.key);
    }
  }
  for (const item of plan.items) {
    if (item.kind !== 'group') continue;
    const state = ledger.get('group', item.key);
    if (item.action === 'in_doubt') {
      const status = state?.inFlight ? 'in_flight' : 'in_doubt';
      picked.set(item, { item, status, reason: item.reason! });
    } else if (item.answerLost) {
      // Still in doubt: the next run resends it with the same chat_id, which a person may also settle first.
      picked.set(item, { item, status: state?.inFlight ? 'in_flight' : 'in_doubt', reason: REASON.resendWithChatId(item.key, item.sentChatId!) });
    } else if (item.action === 'blocked') {
      picked.set(item, { item, status: item.done === 'conflict' ? 'conflict' : 'blocked', reason: item.reason! });
    } else if (item.action === 'create' && state?.status === 'failed') {
      picked.set(item, { item, status: 'failed', reason: serverSaid(state) });
    } else if (item.action === 'create' && !item.communityId && item.handle !== undefined && parents.has(item.handle)) {
      picked.set(item, { item, status: 'blocked', reason: REASON.waitsForParent(item.handle) });
    }
  }
  return plan.items.filter((i) => picked.has(i)).map((i) => picked.get(i)!);
}
