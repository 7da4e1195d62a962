// Which item the ledger holds each id for: a chat_id (a group's recorded or sent one) and a
// community_id. A person's verdict may not give an item an id that is another item's.
import type { ItemState } from './event.js';

export interface HeldIds {
  /** The key of the group (other than `key`) that holds `chatId`, if any. */
  chatIdHolder(chatId: string, key: string): string | undefined;
  /** The handle of the community (other than `key`) that holds `communityId`, if any. */
  communityIdHolder(communityId: string, key: string): string | undefined;
}

/** Built once from the items (one pass): a bulk verdict checks hundreds of ids against it. */
export function heldIds(items: Iterable<ItemState>): HeldIds {
  const chat = new Map<string, Set<string>>();
  const community = new Map<string, Set<string>>();
  const add = (map: Map<string, Set<string>>, id: string | undefined, key: string) => {
    if (id === undefined || id === '') return;
    let keys = map.get(id);
    if (!keys) map.set(id, (keys = new Set()));
    keys.add(key);
  };
  for (const s of items) {
    if (s.kind === 'group') {
      // The sent one too: a group in doubt may exist under it.
      add(chat, s.chat_id, s.key);
      add(chat, s.sent_chat_id, s.key);
    } else {
      add(community, s.community_id, s.key);
    }
  }
  const other = (map: Map<string, Set<string>>, id: string, key: string) => {
    for (const k of map.get(id) ?? []) if (k !== key) return k;
    return undefined;
  };
  return {
    chatIdHolder: (chatId, key) => other(chat, chatId, key),
    communityIdHolder: (communityId, key) => other(community, communityId, key),
  };
}
