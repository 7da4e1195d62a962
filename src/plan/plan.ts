// The plan: every manifest item with the action this run takes for it, and the dependency
// edges (a group waits for its own parent's community_id). `plan` prints it; `apply` walks it.
import type { ItemKind } from '../api/schema.js';
import type { ManifestEntry } from '../manifest/entry.js';
import type { ItemState } from '../ledger/event.js';
import { detach } from '../detach.js';
import { carriedIds, REASON } from '../status.js';
import { bodyHash } from './body-hash.js';
import { foundOrMoved, recordedName, type DroppedItem } from './identity-check.js';
import { GroupKeys } from './group-lookup.js';

export type PlanAction =
  /** Send a create request. */
  | 'create'
  /** The manifest gives community_id: record it as adopted, send nothing. */
  | 'adopt'
  /** Nothing to do: the ledger already holds the outcome. */
  | 'skip'
  /** Cannot be sent: the parent community has no id we know. */
  | 'blocked'
  /** An earlier send may have created it; needs a person (or --retry-in-doubt). */
  | 'in_doubt';

export interface PlanItem {
  kind: ItemKind;
  /** Ledger key: the handle, or `<parent handle or community_id, %-encoded>/<group key, NFC-trimmed>` (item-key.ts). */
  key: string;
  file: string;
  line: number;
  action: PlanAction;
  /**
   * Request body as JSON (a group's without community_id). Absent when the item will never be
   * sent: adopted communities, items the ledger already has as created or adopted, and every
   * item of a plan built with `keepBodies: false`.
   */
  body?: string;
  /** community: its handle. group: the parent community's handle, when given by handle. */
  handle?: string;
  /** community: known id (ledger or manifest). group: parent id when already known. */
  communityId?: string;
  /** Why the item is skipped, blocked or in doubt, in words for a person. */
  reason?: string;
  /** The ledger status behind a skip (`created`, `exists`, `adopted`), or behind a block (`conflict`). */
  done?: string;
  /** Set when the entry changed after the item was created. */
  drift?: boolean;
  /**
   * A group: an earlier send got no usable answer, and it is resent only because the API is
   * proven to refuse a repeated chat_id: with `sentChatId`, and the proven answer settles it.
   */
  answerLost?: boolean;
  /** A group: the chat_id its last attempt carried (from the ledger); a resend sends the same. */
  sentChatId?: string;
  /** A group: its `group.name` when its key is not it; recorded on its ledger lines (identity-check.ts). */
  name?: string;
  /** A group: the ledger key it had before (`moved_from`); apply records the move before sending anything. */
  movedFrom?: string;
}

export interface Plan {
  /** All items in manifest order (communities and groups interleaved as read). */
  items: PlanItem[];
  /** Groups waiting for a community created in this run, by the community's handle. */
  waiting: Map<string, PlanItem[]>;
  counts: PlanCounts;
  /** Items the ledger holds that these manifests do not name: counted and listed, never acted on (identity-check.ts). */
  dropped?: DroppedItem[];
  /** What a person should know about an item's identity (a group new on the server though its name is in another community). */
  notices?: string[];
}

export interface PlanCounts {
  create: { community: number; group: number };
  adopt: number;
  skip: number;
  blocked: number;
  in_doubt: number;
  drift: number;
  /** Groups whose ledger item moves to a new key (`moved_from`). */
  moved: number;
  /** Ledger items these manifests do not name (never acted on). */
  dropped: number;
}

export interface LedgerView {
  get(kind: ItemKind, key: string): ItemState | undefined;
}

export interface PlanOptions {
  /** Re-send groups whose earlier send is in doubt (after a person checked they don't exist). */
  retryInDoubt?: boolean;
  /**
   * Keep the request bodies of items to send (default true). A plan that is only shown, never
   * run, passes false: bodies are most of a big plan's memory and serialising them most of its
   * time (drift is still detected: a done item's body is hashed, then dropped).
   */
  keepBodies?: boolean;
  /**
   * The API is proven to refuse a repeated chat_id (a probe or a setting) and has not been seen
   * ignoring client chat_ids: a group whose earlier answer was lost is then planned for a resend
   * with the same chat_id, not in doubt. An echo alone never sets it.
   */
  resendLost?: boolean;
}

/** Collects manifest entries as the loader streams them, then decides each one's action. */
export class PlanBuilder {
  readonly #items: PlanItem[] = [];
  /** Community handles seen, each once: a million groups share their parent's handle string. */
  readonly #handles = new Map<string, string>();
  /** The ledger's state of each item (same index), looked up once in add(), used in build(). */
  readonly #states: (ItemState | undefined)[] = [];
  /** Group ledger keys and lookups under every spelling of a group (item-key.ts). */
  #keys: GroupKeys | undefined;

  constructor(
    private readonly ledger: LedgerView,
    private readonly options: PlanOptions = {},
  ) {}

  /** Adds an entry; returns its plan item (its key may still change in build(), never its object). */
  add(entry: ManifestEntry): PlanItem {
    // The fields every item may get, up front and in one order: one hidden class for all items,
    // and no property store grown later when build() marks a million of them done on a rerun.
    // (`reason` and `drift` are rare: declaring them would cost every item two slots.)
    // Strings an item keeps are copies, not views of the manifest's text (see detach.ts).
    if (entry.kind === 'community') {
      // The ledger's own key string when it holds the community (no copy per item), else a copy.
      const state = this.ledger.get('community', entry.handle);
      const handle = state?.key ?? detach(entry.handle);
      this.#handles.set(handle, handle);
      const item: PlanItem = {
        kind: 'community',
        key: handle,
        file: entry.pos.file,
        line: entry.pos.line,
        action: 'create',
        body: undefined,
        handle,
        communityId: entry.communityId === undefined ? undefined : detach(entry.communityId),
        done: undefined,
      };
      if (item.communityId !== undefined) (this.#keys ??= new GroupKeys(this.ledger)).community(handle, item.communityId);
      if (entry.body && !entry.communityId) this.#setBody(item, entry.body, state);
      this.#items.push(item);
      this.#states.push(state);
      return item;
    } else {
      // The key and the ledger's state under any spelling of this group (rule: item-key.ts), or
      // under the key it had before (`moved_from`).
      const found = foundOrMoved((this.#keys ??= new GroupKeys(this.ledger)), entry);
      const item: PlanItem = {
        kind: 'group',
        key: found.key,
        file: entry.pos.file,
        line: entry.pos.line,
        action: 'create',
        body: undefined,
        handle: entry.parentHandle === undefined ? undefined : (this.#handles.get(entry.parentHandle) ?? detach(entry.parentHandle)),
        communityId: entry.parentHandle || entry.parentId === undefined ? undefined : detach(entry.parentId),
        done: undefined,
      };
      const name = recordedName(entry);
      if (name !== undefined) item.name = name;
      if (found.movedFrom !== undefined) item.movedFrom = found.movedFrom;
      const state = found.state;
      this.#setBody(item, entry.body, state);
      this.#items.push(item);
      this.#states.push(state);
      return item;
    }
  }

  /**
   * Serialises the body only if it may be sent. An item the ledger has as created (or adopted)
   * is skipped by build() whatever else holds, so it only needs the drift check, done here while
   * the body is at hand; on a rerun of a big manifest that keeps almost nothing.
   */
  #setBody(item: PlanItem, body: object, state: ItemState | undefined): void {
    if (state?.status === 'created') {
      if (state.hash && state.hash !== bodyHash(JSON.stringify(body))) item.drift = true;
      return;
    }
    // Adopted is a community status (build() skips it); on a group line it is a hand edit: send.
    if ((state?.status === 'adopted' && item.kind === 'community') || this.options.keepBodies === false) return;
    item.body = JSON.stringify(body);
  }

  build(): Plan {
    // Communities first (a group's action depends on its parent's), then groups.
    const items = this.#items;
    const states = this.#states;
    if (this.#keys?.late) this.#findAgain();
    const byHandle = new Map<string, PlanItem>();
    for (let i = 0; i < items.length; i++) {
      const c = items[i];
      if (c.kind !== 'community') continue;
      this.#decideCommunity(c, states[i]);
      byHandle.set(c.key, c);
    }
    const waiting = new Map<string, PlanItem[]>();
    for (let i = 0; i < items.length; i++) if (items[i].kind === 'group') this.#decideGroup(items[i], states[i], byHandle, waiting);

    const counts: PlanCounts = { create: { community: 0, group: 0 }, adopt: 0, skip: 0, blocked: 0, in_doubt: 0, drift: 0, moved: 0, dropped: 0 };
    for (const item of this.#items) {
      if (item.action === 'create') counts.create[item.kind]++;
      else counts[item.action]++;
      if (item.drift) counts.drift++;
      if (item.movedFrom !== undefined) counts.moved++;
    }
    return { items: this.#items, waiting, counts };
  }

  /** Groups not found in add(), looked up again now that a later adopted community tied a handle to an id. */
  #findAgain(): void {
    for (let i = 0; i < this.#items.length; i++) {
      const g = this.#items[i];
      if (g.kind !== 'group' || this.#states[i] !== undefined) continue;
      const found = this.#keys!.refind(g);
      g.key = found.key;
      const state = (this.#states[i] = found.state);
      if (state?.status === 'created') {
        // What #setBody does for an item found in add(), from the body's JSON.
        if (g.body !== undefined && state.hash && state.hash !== bodyHash(g.body)) g.drift = true;
        g.body = undefined;
      }
    }
  }

  #decideCommunity(c: PlanItem, state: ItemState | undefined): void {
    // A person's `ledger resolve --abandon` wins over everything, the manifest's id included.
    if (state?.status === 'abandoned') {
      abandoned(c, state);
      return;
    }
    if (c.communityId) {
      // Adopted: the manifest's id wins over anything the ledger says.
      if (state?.status === 'adopted' && state.community_id === c.communityId) skip(c, 'adopted');
      else c.action = 'adopt';
      return;
    }
    // Its answer carried another community's id: nothing goes under it until a person settles it.
    if (state?.status === 'conflict') {
      conflicted(c, state);
      return;
    }
    if (state?.status === 'created') {
      c.communityId = state.community_id;
      skip(c, 'created'); // drift was checked in add()
      return;
    }
    if (state?.status === 'adopted') {
      c.communityId = state.community_id;
      skip(c, 'adopted');
      return;
    }
    if (state?.status === 'exists') {
      skip(c, 'exists');
      c.reason = REASON.existsCommunity(c.key);
    }
    // failed, in flight at a crash, or never seen: send (the unique handle makes a resend safe).
  }

  #decideGroup(g: PlanItem, state: ItemState | undefined, byHandle: Map<string, PlanItem>, waiting: Map<string, PlanItem[]>): void {
    if (state?.status === 'created') {
      skip(g, 'created'); // drift was checked in add()
      return;
    }
    if (state?.status === 'abandoned') {
      abandoned(g, state);
      return;
    }
    if (state?.status === 'conflict') {
      conflicted(g, state);
      return;
    }
    if (state?.sent_chat_id !== undefined) g.sentChatId = state.sent_chat_id;
    // A send that crashed mid-flight is as doubtful as one that lost its answer.
    if (state && (state.status === 'in_doubt' || state.inFlight)) {
      // Resent by itself only while nothing has answered for the id: a refusal of an earlier
      // resend (a 4xx on the in-doubt line) most likely says it exists, and that needs a person.
      const refused = state.status === 'in_doubt' && state.status_code !== undefined && state.status_code < 500 && state.status_code !== 429;
      if (this.options.resendLost && state.sent_chat_id !== undefined && !refused && !this.options.retryInDoubt) {
        g.answerLost = true;
      } else if (!this.options.retryInDoubt) {
        g.action = 'in_doubt';
        g.reason = REASON.inDoubtGroup(g.key);
        return;
      }
    }
    if (g.communityId) return; // parent given by id: ready now
    const handle = g.handle!;
    const parent = byHandle.get(handle);
    if (parent) {
      // First: an abandoned community is skipped with an id its manifest entry may still give,
      // and its groups go with it (docs/recovery.md), not under that id.
      if (parent.done === 'abandoned') {
        parentAbandoned(g, handle);
        return;
      }
      if (parent.done === 'conflict') {
        parentConflicted(g, handle, this.ledger.get('community', handle));
        return;
      }
      if (parent.communityId && (parent.action === 'skip' || parent.action === 'adopt')) {
        g.communityId = parent.communityId;
        return;
      }
      if (parent.action === 'create') {
        let list = waiting.get(handle);
        if (!list) waiting.set(handle, (list = []));
        list.push(g);
        return;
      }
      block(g, handle);
      return;
    }
    // Not in this run's manifests: the loader accepted it because the ledger knows the handle.
    const known = this.ledger.get('community', handle);
    if (known?.community_id && (known.status === 'created' || known.status === 'adopted')) {
      g.communityId = known.community_id;
      return;
    }
    if (known?.status === 'abandoned') {
      parentAbandoned(g, handle);
      return;
    }
    if (known?.status === 'conflict') {
      parentConflicted(g, handle, known);
      return;
    }
    block(g, handle);
  }

}

function skip(item: PlanItem, done: string): void {
  item.action = 'skip';
  item.done = done;
}

/** Runs skip an item a person abandoned (`ledger resolve --abandon`): nothing left to do, exit 0. */
function abandoned(item: PlanItem, state: ItemState): void {
  skip(item, 'abandoned');
  item.reason = REASON.abandoned(state.error_message);
}

/** A group of an abandoned community can never be sent: it is skipped with it, not blocked forever. */
function parentAbandoned(g: PlanItem, handle: string): void {
  skip(g, 'abandoned');
  g.reason = REASON.parentAbandoned(handle);
}

/** An item whose answer carried another item's id (a `conflict`): blocked until a person settles it. */
function conflicted(item: PlanItem, state: ItemState): void {
  item.action = 'blocked';
  item.done = 'conflict';
  item.reason = REASON.conflict(item.kind, item.key, carriedIds(state), state.held_by ?? 'another item');
}

function parentConflicted(g: PlanItem, handle: string, parent: ItemState | undefined): void {
  g.action = 'blocked';
  g.reason = REASON.blockedByConflict(handle, parent?.held_by ?? 'another item');
}

function block(g: PlanItem, handle: string): void {
  g.action = 'blocked';
  g.reason = REASON.blockedByUnknownParent(handle);
}
