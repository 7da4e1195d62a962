// A group's ledger item moved to a new key (`moved_from` in its manifest entry): the lines that
// give the new key the old item's state, then close the old key, appended before anything is sent.
import { compactLines } from './compact.js';
import type { ItemState, LedgerEvent } from './event.js';

/** The `by` of move lines, and the start of the closed old item's message. */
export const MOVE_BY = 'moved_from';
const MOVED_TO = 'moved to ';

/**
 * The new key gets the lines that replay to the old item's state (ids, hash, attempts, the
 * chat_id last sent: compaction's lines); the old key an `abandoned` line saying where it went,
 * so runs skip it and `plan` does not list it as dropped. Ids stay on the old key's lines too:
 * the history keeps every id, and nothing is removed from an append-only ledger.
 */
export function moveLines(old: ItemState, newKey: string, run: string, at: Date): LedgerEvent[] {
  const stamp = at.toISOString();
  const moved = compactLines({ ...old, key: newKey }).map((line) => ({ ...line, at: stamp, run, by: MOVE_BY }));
  return [...moved, { at: stamp, run, kind: old.kind, key: old.key, event: 'abandoned', by: MOVE_BY, message: `${MOVED_TO}${newKey}` }];
}

/** An item closed by a move: runs skip it, and it is not something the manifests dropped. */
export function isMovedAway(s: ItemState): boolean {
  return s.status === 'abandoned' && s.error_message?.startsWith(MOVED_TO) === true;
}

/** The move lines of every group of a plan that moves (`movedFrom`), in plan order. */
export function planMoveLines(
  items: readonly { kind: 'community' | 'group'; key: string; movedFrom?: string }[],
  ledger: { get(kind: 'group', key: string): ItemState | undefined },
  run: string,
  at: Date,
): LedgerEvent[] {
  const out: LedgerEvent[] = [];
  for (const item of items) {
    if (item.movedFrom === undefined) continue;
    const old = ledger.get('group', item.movedFrom);
    if (old !== undefined) out.push(...moveLines(old, item.key, run, at));
  }
  return out;
}
