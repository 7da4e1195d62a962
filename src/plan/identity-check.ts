// An item's identity across the edits people make to manifests (docs/recovery.md): a group found
// under the key it had before (`moved_from`), the name recorded where a key hides it, and the
// checks made once the plan is built: what the ledger holds that these manifests no longer name
// (dropped: counted, never acted on), a new group that may be one of those (refused before
// anything is sent), a community_id under a second handle (refused), and handles that differ from
// the ledger's only in letter case (warned about).
import type { ManifestFault } from '../errors.js';
import type { ItemState } from '../ledger/event.js';
import { isMovedAway } from '../ledger/move.js';
import type { GroupEntry, ManifestEntry } from '../manifest/entry.js';
import { groupIdentity, parseGroupKey } from '../item-key.js';
import { type FoundGroup, type GroupKeys } from './group-lookup.js';
import type { Plan, PlanItem } from './plan.js';

/** An item the ledger holds that these manifests do not name. */
export interface DroppedItem {
  kind: 'community' | 'group';
  key: string;
  /** Its ledger status (`in_flight` when its last line is an attempt). */
  status: string;
}

/** What the checks found: faults stop the run before anything is sent; warnings are shown. */
export interface IdentityVerdict {
  faults: ManifestFault[];
  warnings: ManifestFault[];
  dropped: DroppedItem[];
}

/** The ledger as the checks read it (LedgerState has all of it). */
export interface IdentityLedger {
  readonly lines: number;
  /** Items held: equal to the items these manifests name means none is dropped (no scan). */
  readonly count: number;
  readonly items: Map<string, ItemState>;
  get(kind: 'community' | 'group', key: string): ItemState | undefined;
  handleOf(communityId: string): string | undefined;
  handles(): string[];
}

/** A group's `group.name` when its key is not it (the ledger key then does not show the name). */
export function recordedName(entry: GroupEntry): string | undefined {
  const name = entry.body.group?.name;
  if (name === undefined) return undefined;
  return groupIdentity(name) === groupIdentity(entry.key) ? undefined : name;
}

/**
 * The group's ledger item under its own key; else, when the entry says `moved_from`, the item
 * of the key it had before in the same community (`movedFrom`: that key). A group already moved
 * is found under its own key, so a `moved_from` left in the manifest does nothing.
 */
export function foundOrMoved(keys: GroupKeys, entry: GroupEntry): FoundGroup & { movedFrom?: string } {
  const found = keys.find(entry);
  if (found.state !== undefined || entry.movedFrom === undefined) return found;
  const before = keys.find({ parentHandle: entry.parentHandle, parentId: entry.parentId, key: entry.movedFrom });
  if (before.state === undefined || isMovedAway(before.state)) return found;
  return { key: found.key, state: before.state, movedFrom: before.key };
}

/** A group the ledger may have on the server: created, or sent without a known answer. */
function mayExist(s: ItemState): boolean {
  if (s.kind !== 'group') return false;
  return s.status === 'created' || s.status === 'exists' || s.status === 'in_doubt' || s.status === undefined || s.inFlight;
}

function statusOf(s: ItemState): string {
  return s.inFlight || s.status === undefined ? 'in_flight' : s.status;
}

/** The name a ledger group goes by: recorded, else its key's group part (a key was the name). */
function ledgerName(s: ItemState): string {
  return s.name !== undefined ? groupIdentity(s.name) : (parseGroupKey(s.key)?.key ?? s.key);
}

interface NewGroup {
  item: PlanItem;
  name: string;
  chatId?: string;
  newGroup: boolean;
  movedFrom?: string;
}

export class IdentityCheck {
  /** Groups new to the ledger when added (nothing is kept on a rerun that finds every group). */
  readonly #fresh: NewGroup[] = [];
  /** Entries whose own ledger item was found when added (each names one: the loader refuses a key given twice). */
  #found = 0;
  /** Parent handles of groups, for the count of ledger items named; the last one, to skip repeats. */
  readonly #parents = new Set<string>();
  #lastParent: string | undefined;

  constructor(private readonly ledger: IdentityLedger) {}

  /** Each entry with its plan item, as the plan builder adds it. */
  note(entry: ManifestEntry, item: PlanItem): void {
    // An empty ledger holds nothing a group could be taken for; a moved_from there names nothing.
    if (this.ledger.lines === 0 && (entry.kind === 'community' || entry.movedFrom === undefined)) return;
    if (entry.kind === 'community') {
      if (this.ledger.get('community', item.key) !== undefined) this.#found++;
      return;
    }
    if (item.handle !== undefined && item.handle !== this.#lastParent) this.#parents.add((this.#lastParent = item.handle));
    if (item.movedFrom !== undefined) return; // counted by the plan (counts.moved), its old item too
    if (this.ledger.get('group', item.key) !== undefined) {
      this.#found++;
      return;
    }
    const name = groupIdentity(entry.body.group?.name ?? entry.key);
    this.#fresh.push({ item, name, chatId: entry.body.chat_id, newGroup: entry.newGroup === true, movedFrom: entry.movedFrom });
  }

  /** The checks, once the plan is built (groups' parents and late-found keys are known then). */
  finish(plan: Plan): IdentityVerdict {
    const faults: ManifestFault[] = [];
    const warnings: ManifestFault[] = [];
    const idToHandle = this.#communities(plan, faults, warnings);
    if (this.ledger.lines === 0) {
      for (const f of this.#fresh) if (f.movedFrom !== undefined) faults.push(this.#movedNothing(f, f.item.handle ?? f.item.communityId ?? ''));
      return { faults, warnings, dropped: [] };
    }
    const dropped: DroppedItem[] = [];
    const droppedGroups: ItemState[] = [];
    // A rerun of the same manifests names every item and adds none: the ledger is not scanned then.
    if (this.#fresh.length > 0 || this.#namedCount(plan) !== this.ledger.count) {
      const named = this.#named(plan);
      for (const s of this.ledger.items.values()) {
        if (named.has(s) || isMovedAway(s)) continue;
        dropped.push({ kind: s.kind, key: s.key, status: statusOf(s) });
        if (mayExist(s)) droppedGroups.push(s);
      }
    }
    this.#movedTwice(plan, faults);
    // A community refused above would only echo as its groups' "new on the server".
    if (this.#fresh.length > 0 && faults.length === 0) this.#newGroups(droppedGroups, idToHandle, faults, warnings);
    return { faults, warnings, dropped };
  }

  /**
   * A community_id is one community under one handle: refused under a handle other than the one
   * the ledger (or an earlier entry) holds for it, since its groups are recorded under that one.
   * A new community whose handle differs from one the ledger holds only in letter case is warned
   * about. Returns community_id → handle of these manifests.
   */
  #communities(plan: Plan, faults: ManifestFault[], warnings: ManifestFault[]): Map<string, string> {
    const byId = new Map<string, PlanItem>();
    const toCreate: PlanItem[] = [];
    for (const c of plan.items) {
      if (c.kind !== 'community') continue;
      if (c.action === 'create') toCreate.push(c);
      // Only ids the manifests give (adopted): an id taken from the ledger is the ledger's own tie.
      if (c.communityId === undefined || (c.action !== 'adopt' && c.done !== 'adopted')) continue;
      const first = byId.get(c.communityId);
      if (first !== undefined && first.key !== c.key) {
        faults.push(at(c, 'community_id', `community "${c.key}" gives community_id ${c.communityId}, which community "${first.key}" at ${first.file}:${first.line} gives too: one community has one handle; name it by one of them`));
        continue;
      }
      byId.set(c.communityId, c);
      const held = this.ledger.handleOf(c.communityId);
      if (held !== undefined && held !== c.key) {
        const state = this.ledger.get('community', held);
        const caseOnly = held.toLowerCase() === c.key.toLowerCase() ? ' (the two differ only in letter case)' : '';
        faults.push(
          at(c, 'handle', `community "${c.key}" gives community_id ${c.communityId}, which the ledger holds for community "${held}"${state ? ` (${statusOf(state)})` : ''}${caseOnly}: one community has one handle, and its groups are recorded under "${held}": write handle "${held}" here`),
        );
      }
    }
    if (toCreate.length > 0 && this.ledger.lines > 0) {
      const lower = new Map<string, string>();
      for (const h of this.ledger.handles()) lower.set(h.toLowerCase(), h);
      for (const c of toCreate) {
        const held = lower.get(c.key.toLowerCase());
        if (held !== undefined && held !== c.key) {
          warnings.push(at(c, 'handle', `handle "${c.key}" differs only in case from "${held}", which the ledger holds (${statusOf(this.ledger.get('community', held)!)}): the API may treat them as the same community`));
        }
      }
    }
    const idToHandle = new Map<string, string>();
    for (const [id, c] of byId) idToHandle.set(id, c.key);
    return idToHandle;
  }

  /**
   * How many ledger items these manifests name, without a set: each item names its own (the
   * loader refuses one key given twice), and a parent outside the manifests is counted once.
   */
  #namedCount(plan: Plan): number {
    // A moved group names the old item it moves (its new key is not in the ledger yet).
    let n = this.#found + plan.counts.moved;
    // A parent that is also an item of these manifests was counted as one. (A group found only
    // in build(), or a parent named by id, is not counted: too few only costs the scan.)
    for (const it of plan.items) if (it.kind === 'community') this.#parents.delete(it.key);
    for (const h of this.#parents) if (this.ledger.get('community', h) !== undefined) n++;
    return n;
  }

  /** Ledger items these manifests name: their own, a moved group's old one, and groups' parents. */
  #named(plan: Plan): Set<ItemState> {
    const named = new Set<ItemState>();
    const add = (s: ItemState | undefined): void => {
      if (s !== undefined) named.add(s);
    };
    for (const it of plan.items) {
      add(this.ledger.get(it.kind, it.key));
      if (it.kind !== 'group') continue;
      if (it.movedFrom !== undefined) add(this.ledger.get('group', it.movedFrom));
      const parent = it.handle ?? (it.communityId === undefined ? undefined : this.ledger.handleOf(it.communityId));
      if (parent !== undefined) add(this.ledger.get('community', parent));
    }
    return named;
  }

  /** Two entries for one ledger item: one names the old key, another moves from it. */
  #movedTwice(plan: Plan, faults: ManifestFault[]): void {
    if (plan.counts.moved === 0) return;
    const byKey = new Map<string, PlanItem>();
    for (const it of plan.items) if (it.kind === 'group' && it.movedFrom === undefined) byKey.set(it.key, it);
    for (const it of plan.items) {
      if (it.movedFrom === undefined) continue;
      const other = byKey.get(it.movedFrom);
      if (other === undefined) continue;
      faults.push(at(it, 'moved_from', `moves group ${it.movedFrom} to ${it.key}, but the entry at ${other.file}:${other.line} still names ${it.movedFrom}: one group cannot be both; remove one of the two entries`));
    }
  }

  /** Groups new to the ledger that may be one it holds under another key (refused) or in another community (a warning). */
  #newGroups(droppedGroups: ItemState[], idToHandle: Map<string, string>, faults: ManifestFault[], warnings: ManifestFault[]): void {
    const canon = (parent: string): string => idToHandle.get(parent) ?? this.ledger.handleOf(parent) ?? parent;
    const byName = new Map<string, ItemState[]>();
    for (const s of droppedGroups) {
      const name = ledgerName(s);
      const list = byName.get(name);
      if (list === undefined) byName.set(name, [s]);
      else list.push(s);
    }
    // Explicit chat_ids are rare: the ledger's ids are indexed only when one is given.
    let byChat: Map<string, ItemState> | undefined;
    if (this.#fresh.some((f) => f.chatId !== undefined)) {
      byChat = new Map();
      for (const s of this.ledger.items.values()) {
        if (!mayExist(s) || isMovedAway(s)) continue;
        // Both: a server that makes its own chat_ids answers with one other than the one sent,
        // and the manifest still gives the one sent.
        if (s.chat_id !== undefined) byChat.set(s.chat_id, s);
        if (s.sent_chat_id !== undefined) byChat.set(s.sent_chat_id, s);
      }
    }
    for (const f of this.#fresh) {
      const g = f.item;
      if (this.ledger.get('group', g.key) !== undefined) continue; // found once every parent tie was known
      const parent = canon(g.handle ?? g.communityId ?? '');
      if (f.movedFrom !== undefined) {
        faults.push(this.#movedNothing(f, parent));
        continue;
      }
      if (f.newGroup) continue;
      const holder = f.chatId === undefined ? undefined : byChat?.get(f.chatId);
      if (holder !== undefined) {
        const other = canon(parseGroupKey(holder.key)?.parent ?? '') !== parent;
        faults.push(
          at(g, 'chat_id', `group ${g.key} gives chat_id "${f.chatId}", which the ledger holds for group ${holder.key} (${statusOf(holder)}): ` +
            (other
              ? 'a group cannot move to another community (there it is a new group on the server, and needs its own chat_id): give this one another chat_id, or none'
              : `if it is that group (its key or name changed), add moved_from: ${JSON.stringify(parseGroupKey(holder.key)?.key)} to this entry; two groups can never share a chat_id`)),
        );
        continue;
      }
      const same = byName.get(f.name);
      if (same === undefined) continue;
      const here = same.find((s) => canon(parseGroupKey(s.key)?.parent ?? '') === parent);
      if (here !== undefined) {
        faults.push(
          at(g, 'key', `group ${g.key} is new to the ledger, but the ledger holds group ${here.key} (${statusOf(here)}) named "${f.name}" in the same community, which these manifests no longer name: ` +
            `if it is that group (its key or name changed), add moved_from: ${JSON.stringify(parseGroupKey(here.key)?.key)} to this entry; if it is another group, add new_group: true`),
        );
        continue;
      }
      const elsewhere = same[0]!;
      warnings.push(
        at(g, 'key', `group ${g.key} will be a new group on the server: the ledger holds group ${elsewhere.key} (${statusOf(elsewhere)}) named "${f.name}" in community "${canon(parseGroupKey(elsewhere.key)?.parent ?? '')}", which these manifests no longer name; ` +
          'a group cannot move between communities, so that one stays where it is (new_group: true on this entry says this is meant)'),
      );
    }
  }

  #movedNothing(f: NewGroup, parent: string): ManifestFault {
    return at(f.item, 'moved_from', `the ledger holds no group "${f.movedFrom}" in community "${parent}" to move to ${f.item.key}: remove moved_from (or give the key the group had before)`);
  }
}

function at(item: PlanItem, field: string, message: string): ManifestFault {
  return { file: item.file, line: item.line, field, message };
}
