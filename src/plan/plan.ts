// The plan: every manifest item with the action this run takes for it, and the dependency
// edges (a group waits for its own parent's community_id). `plan` prints it; `apply` walks it.
import type { ItemKind } from '../api/schema.js';
import type { ManifestEntry } from '../manifest/entry.js';
import type { ItemState } from '../ledger/event.js';
import { bodyHash } from './body-hash.js';

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
  /** Ledger key: the handle, or `<handle or community_id>/<group key>`. */
  key: string;
  file: string;
  line: number;
  action: PlanAction;
  /** Request body as JSON (a group's without community_id); absent for adopted communities. */
  body?: string;
  /** community: its handle. group: the parent community's handle, when given by handle. */
  handle?: string;
  /** community: known id (ledger or manifest). group: parent id when already known. */
  communityId?: string;
  /** Why the item is skipped, blocked or in doubt, in words for a person. */
  reason?: string;
  /** The ledger status behind a skip (`created`, `exists`, `adopted`). */
  done?: string;
  /** Set when the entry changed after the item was created. */
  drift?: boolean;
}

export interface Plan {
  /** All items in manifest order (communities and groups interleaved as read). */
  items: PlanItem[];
  /** Groups waiting for a community created in this run, by the community's handle. */
  waiting: Map<string, PlanItem[]>;
  counts: PlanCounts;
}

export interface PlanCounts {
  create: { community: number; group: number };
  adopt: number;
  skip: number;
  blocked: number;
  in_doubt: number;
  drift: number;
}

export interface LedgerView {
  get(kind: ItemKind, key: string): ItemState | undefined;
}

export interface PlanOptions {
  /** Re-send groups whose earlier send is in doubt (after a person checked they don't exist). */
  retryInDoubt?: boolean;
}

/** Collects manifest entries as the loader streams them, then decides each one's action. */
export class PlanBuilder {
  readonly #communities: PlanItem[] = [];
  readonly #groups: PlanItem[] = [];
  readonly #items: PlanItem[] = [];

  constructor(
    private readonly ledger: LedgerView,
    private readonly options: PlanOptions = {},
  ) {}

  add(entry: ManifestEntry): void {
    if (entry.kind === 'community') {
      const item: PlanItem = {
        kind: 'community',
        key: entry.handle,
        file: entry.pos.file,
        line: entry.pos.line,
        action: 'create',
        handle: entry.handle,
        communityId: entry.communityId,
        body: entry.body && !entry.communityId ? JSON.stringify(entry.body) : undefined,
      };
      this.#communities.push(item);
      this.#items.push(item);
    } else {
      const parent = entry.parentHandle ?? entry.parentId!;
      const item: PlanItem = {
        kind: 'group',
        key: `${parent}/${entry.key}`,
        file: entry.pos.file,
        line: entry.pos.line,
        action: 'create',
        handle: entry.parentHandle,
        communityId: entry.parentHandle ? undefined : entry.parentId,
        body: JSON.stringify(entry.body),
      };
      this.#groups.push(item);
      this.#items.push(item);
    }
  }

  build(): Plan {
    const byHandle = new Map<string, PlanItem>();
    for (const c of this.#communities) {
      this.#decideCommunity(c);
      byHandle.set(c.key, c);
    }
    const waiting = new Map<string, PlanItem[]>();
    for (const g of this.#groups) this.#decideGroup(g, byHandle, waiting);

    const counts: PlanCounts = { create: { community: 0, group: 0 }, adopt: 0, skip: 0, blocked: 0, in_doubt: 0, drift: 0 };
    for (const item of this.#items) {
      if (item.action === 'create') counts.create[item.kind]++;
      else counts[item.action]++;
      if (item.drift) counts.drift++;
    }
    return { items: this.#items, waiting, counts };
  }

  #decideCommunity(c: PlanItem): void {
    const state = this.ledger.get('community', c.key);
    if (c.communityId) {
      // Adopted: the manifest's id wins over anything the ledger says.
      if (state?.status === 'adopted' && state.community_id === c.communityId) skip(c, 'adopted');
      else c.action = 'adopt';
      return;
    }
    if (state?.status === 'created') {
      c.communityId = state.community_id;
      skip(c, 'created');
      this.#checkDrift(c, state);
      return;
    }
    if (state?.status === 'adopted') {
      c.communityId = state.community_id;
      skip(c, 'adopted');
      return;
    }
    if (state?.status === 'exists') {
      skip(c, 'exists');
      c.reason = 'the handle already exists on the server and its id is unknown: add community_id to its manifest entry to adopt it';
    }
    // failed, in flight at a crash, or never seen: send (the unique handle makes a resend safe).
  }

  #decideGroup(g: PlanItem, byHandle: Map<string, PlanItem>, waiting: Map<string, PlanItem[]>): void {
    const state = this.ledger.get('group', g.key);
    if (state?.status === 'created') {
      skip(g, 'created');
      this.#checkDrift(g, state);
      return;
    }
    // A send that crashed mid-flight is as doubtful as one that lost its answer.
    if (state && (state.status === 'in_doubt' || state.inFlight)) {
      if (!this.options.retryInDoubt) {
        g.action = 'in_doubt';
        g.reason = 'an earlier send may have created it and the API cannot tell: check in Genuin, then run apply --retry-in-doubt if it does not exist';
        return;
      }
    }
    if (g.communityId) return; // parent given by id: ready now
    const handle = g.handle!;
    const parent = byHandle.get(handle);
    if (parent) {
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
    block(g, handle);
  }

  #checkDrift(item: PlanItem, state: ItemState): void {
    if (item.body && state.hash && state.hash !== bodyHash(item.body)) item.drift = true;
  }
}

function skip(item: PlanItem, done: string): void {
  item.action = 'skip';
  item.done = done;
}

function block(g: PlanItem, handle: string): void {
  g.action = 'blocked';
  g.reason = `community "${handle}" exists but its id is unknown: add its community_id to the community's manifest entry (it is then adopted)`;
}
