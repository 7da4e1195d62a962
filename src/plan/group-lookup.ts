// How the ledger is searched for every spelling of one group: its key under the handle or the id
// of its parent (item-key.ts spells them), an older un-normalised key, a tie made late in the plan.
import type { ItemState } from '../ledger/event.js';
import { encodeParent, groupIdentity, joinKey, parseGroupKey } from '../item-key.js';

/** What the ledger can say about communities (LedgerState has both). */
export interface CommunityNames {
  /** The id the ledger holds for a community handle. */
  communityId?(handle: string): string | undefined;
  /** The handle of the community the ledger holds this id for. */
  handleOf?(communityId: string): string | undefined;
}

export type GroupLedger = { get(kind: 'group', key: string): ItemState | undefined } & CommunityNames;

/**
 * Handle ↔ id of the parent communities: what this run's manifests say (adopted communities),
 * then what the ledger says. Only ties the manifests or the ledger made; nothing is guessed.
 */
export class ParentNames {
  readonly #idOf = new Map<string, string>();
  readonly #handleOf = new Map<string, string>();

  constructor(private readonly ledger: CommunityNames = {}) {}

  /** An adopted community of this run (handle and community_id). True if the tie is new. */
  learn(handle: string, communityId: string): boolean {
    if (this.#idOf.get(handle) === communityId) return false;
    this.#idOf.set(handle, communityId);
    this.#handleOf.set(communityId, handle);
    return true;
  }

  idOf(handle: string): string | undefined {
    return this.#idOf.get(handle) ?? this.ledger.communityId?.(handle);
  }

  handleOf(communityId: string): string | undefined {
    return this.#handleOf.get(communityId) ?? this.ledger.handleOf?.(communityId);
  }
}

/** A group as the manifest names it. */
export interface GroupRef {
  parentHandle?: string;
  parentId?: string;
  /** The group key as written (`key`, else `group.name`). */
  key: string;
}

export interface FoundGroup {
  /** The key to record the group under: the ledger's, when it has the group under any spelling. */
  key: string;
  state: ItemState | undefined;
}

/**
 * The group's ledger key and the state the ledger holds for it, looked up under each spelling
 * in turn (see the rule above): canonical first (one lookup, the common case), then the other
 * spelling of the parent, then the un-normalised group key under each.
 */
export function findGroup(ledger: GroupLedger, names: ParentNames, ref: GroupRef): FoundGroup {
  const handle = ref.parentHandle ?? names.handleOf(ref.parentId!);
  const parent = handle ?? ref.parentId!;
  const identity = groupIdentity(ref.key);
  const canonicalParent = encodeParent(parent);
  const key = joinKey(canonicalParent, identity);
  // Found: the ledger's own key string, so that a million plan items hold no copy of it.
  let state = ledger.get('group', key);
  if (state !== undefined) return { key: state.key, state };

  // The other spelling of the parent: its id when it is named (or known) by handle.
  const other = handle !== undefined ? (ref.parentHandle !== undefined ? names.idOf(handle) : ref.parentId) : undefined;
  const otherParent = other === undefined || other === parent ? undefined : encodeParent(other);
  if (otherParent !== undefined) {
    const k = joinKey(otherParent, identity);
    if ((state = ledger.get('group', k)) !== undefined) return { key: state.key, state };
  }
  if (identity !== ref.key) {
    for (const p of otherParent === undefined ? [canonicalParent] : [canonicalParent, otherParent]) {
      const k = joinKey(p, ref.key);
      if ((state = ledger.get('group', k)) !== undefined) return { key: state.key, state };
    }
  }
  return { key, state: undefined };
}

/**
 * findGroup for a plan builder that meets entries in manifest order: an adopted community may
 * tie its handle to its id after groups under it were looked up (a groups file given before the
 * communities file); `late` then says build() must look those groups up again (`refind`).
 */
export class GroupKeys {
  readonly #ledger: GroupLedger;
  readonly #names: ParentNames;
  #missed = false;
  #late = false;

  constructor(ledger: GroupLedger) {
    this.#ledger = ledger;
    this.#names = new ParentNames(ledger);
  }

  /** An adopted community of this run's manifests: its handle and id are one parent. */
  community(handle: string, communityId: string): void {
    if (this.#names.learn(handle, communityId) && this.#missed) this.#late = true;
  }

  find(ref: GroupRef): FoundGroup {
    const found = findGroup(this.#ledger, this.#names, ref);
    if (found.state === undefined) this.#missed = true;
    return found;
  }

  /** A tie was learned after a group was not found: some group may be found now. */
  get late(): boolean {
    return this.#late;
  }

  /**
   * A group not found when it was added, looked up again with every tie now known. `handle`
   * and `communityId` as on a plan item: the parent's handle if named by handle, else its id.
   * (The un-normalised spelling is gone by now: only normalised keys are looked for.)
   */
  refind(item: { key: string; handle?: string; communityId?: string }): FoundGroup {
    const parsed = parseGroupKey(item.key);
    if (parsed === undefined) return { key: item.key, state: undefined };
    const ref = item.handle !== undefined ? { parentHandle: item.handle, key: parsed.key } : { parentId: item.communityId, key: parsed.key };
    return findGroup(this.#ledger, this.#names, ref);
  }
}
