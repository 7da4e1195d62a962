// Which item each id belongs to, in a run: an answer that carries an id the ledger (or this run)
// already holds for another item is a conflict, never a second owner. A server may number
// communities and groups apart, so ids are compared only within their field.
import type { CreatedIds } from '../api/outcome.js';
import type { PlanItem } from '../plan/plan.js';
import type { IdConflict } from './summary.js';

/** The ids an answer may carry, each compared only with ids of the same field. */
export type IdField = 'community_id' | 'chat_id' | 'group_id';
export const ID_FIELDS: readonly IdField[] = ['community_id', 'chat_id', 'group_id'];

/** The item (`kind key`) the ledger already holds an id for, if any. */
export type LedgerIdOwner = (field: IdField, id: string) => string | undefined;

export class IdOwners {
  /** Ids created in this run (`field\tid`), by the item that got them. */
  readonly #thisRun = new Map<string, string>();

  constructor(private readonly ledgerOwner?: LedgerIdOwner) {}

  /**
   * Every id of an answer that another item already holds, one conflict each (the first is the
   * one named). An answer with none makes its ids the item's for the rest of the run; the ids of
   * an answer with one are not the item's own, so none of them is taken as held by it.
   */
  check(item: PlanItem, ids: CreatedIds): IdConflict[] {
    const me = `${item.kind} ${item.key}`;
    const conflicts: IdConflict[] = [];
    for (const field of ID_FIELDS) {
      const id = ids[field];
      if (!id) continue;
      const owner = this.ledgerOwner?.(field, id) ?? this.#thisRun.get(`${field}\t${id}`);
      if (owner === undefined || owner === me) continue;
      conflicts.push({ item, id, heldBy: owner });
    }
    if (conflicts.length === 0) for (const field of ID_FIELDS) if (ids[field]) this.#thisRun.set(`${field}\t${ids[field]}`, me);
    return conflicts;
  }
}
