// Two groups may never share a chat_id (the API's identifier of a group): explicit chat_ids given
// twice, and an explicit one equal to the id another group would be sent with (derived from its
// parent's community_id and its key, where that id is known now: these manifests or the ledger).
import type { ManifestFault } from '../../errors.js';
import { detach } from '../../detach.js';
import { deriveChatId } from '../../plan/chat-id.js';
import type { SourcePos } from '../entry.js';
import type { GroupKeys } from './group-keys.js';
import type { Places } from './places.js';

const WHY = 'two groups can never share a chat_id (it identifies one group to the API): give each its own, or none (one is derived)';

export class ChatIds {
  /** Explicit chat_id → the place of the group that gave it first. */
  private readonly explicit = new Map<string, number>();

  constructor(private readonly places: Places) {}

  /** A group's explicit chat_id; the fault's message when an earlier group gave the same. */
  claim(chatId: string, pos: SourcePos): string | undefined {
    const first = this.explicit.get(chatId);
    if (first !== undefined) return `chat_id "${chatId}" is also given to the group at ${this.places.where(first)}: ${WHY}`;
    this.explicit.set(detach(chatId), this.places.pack(pos));
    return undefined;
  }

  /**
   * An explicit chat_id equal to the one derived for a group that gives none: a fault at the
   * explicit one, naming the other. Only groups whose parent's id is known now can be checked;
   * nothing is derived when no group gives a chat_id (the common case costs nothing).
   */
  derivedClashes(keys: GroupKeys, communityIdOf: ((handle: string) => string | undefined) | undefined): ManifestFault[] {
    if (this.explicit.size === 0) return [];
    const given = new Set(this.explicit.values());
    const faults: ManifestFault[] = [];
    for (const g of keys.groups()) {
      if (given.has(g.place)) continue; // sent with its own chat_id, never a derived one
      const id = g.parent.id ?? keys.adoptedIdOf(g.parent.handle!) ?? communityIdOf?.(g.parent.handle!);
      if (id === undefined) continue;
      const derived = deriveChatId(id, g.identity);
      const holder = this.explicit.get(derived);
      if (holder === undefined) continue;
      faults.push({
        ...this.places.unpack(holder),
        field: 'chat_id',
        message: `chat_id "${derived}" is the one derived for the group "${g.identity}" at ${this.places.where(g.place)} (from its community's id ${id} and its key): ${WHY}`,
      });
    }
    return faults;
  }
}
