// Which group the ledger holds a chat_id for: a group's own (created), or the one its sends
// carried while its answer is unknown (a resend carries it again). Two groups never share one.
import type { ItemState } from './event.js';
import { isMovedAway } from './move.js';

/** The group other than `except` that holds `chatId`, if any; abandoned items hold none. */
export function chatIdHolder(items: Iterable<ItemState>, chatId: string, except: string): ItemState | undefined {
  for (const s of items) {
    if (s.kind !== 'group' || s.key === except || s.status === 'abandoned' || isMovedAway(s)) continue;
    if (s.chat_id === chatId) return s;
    if (s.status !== 'created' && s.sent_chat_id === chatId) return s;
  }
  return undefined;
}
