// Group identities per parent community, by handle and by id: a key given twice under one parent
// is a fault, and so is one group under a community's handle and under its id (tied by an
// adopted entry of these manifests, or by the ledger). Keys compare as the ledger keys them.
import { detach } from '../../detach.js';
import type { ManifestFault } from '../../errors.js';
import { groupIdentity } from '../../item-key.js';
import type { SourcePos } from '../entry.js';
import type { Places } from './places.js';

export interface ParentRef {
  handle?: string;
  id?: string;
}

const HINT = 'give each group a distinct key or group.name';

export class GroupKeys {
  /** Parent (by handle, by id) → group identity (item-key.ts: NFC, trimmed) → first place. */
  private readonly byHandle = new Map<string, Map<string, number>>();
  private readonly byId = new Map<string, Map<string, number>>();
  /** `parent\0identity` → the key as first written, only where the two differ (rare). */
  private readonly spelling = new Map<string, string>();
  /** Adopted communities of these manifests: community_id → handle. */
  private readonly adoptedIds = new Map<string, string>();

  constructor(private readonly places: Places) {}

  /** An adopted community: groups under its handle and under its id are one parent. */
  adopted(handle: string, communityId: string): void {
    if (!this.adoptedIds.has(communityId)) this.adoptedIds.set(detach(communityId), detach(handle));
  }

  /**
   * Claims a group's identity within its parent; a fault when an earlier group holds it.
   * " Talk" and "Talk" are one group (compared as the ledger keys them).
   */
  claim(parent: ParentRef, key: string, pos: SourcePos): ManifestFault | undefined {
    const byHandle = parent.handle !== undefined;
    const ref = (byHandle ? parent.handle : parent.id) as string;
    const keys = this.keysOf(byHandle ? this.byHandle : this.byId, ref);
    const identity = groupIdentity(key);
    const spellingKey = `${byHandle ? 'h' : 'i'}${ref}\0${identity}`;
    const first = keys.get(identity);
    if (first === undefined) {
      keys.set(detach(identity), this.places.pack(pos));
      if (identity !== key) this.spelling.set(detach(spellingKey), detach(key));
      return undefined;
    }
    const firstKey = this.spelling.get(spellingKey) ?? identity;
    const label = byHandle ? `"${ref}"` : `with id ${ref}`;
    const at = this.places.where(first);
    const message =
      firstKey === key
        ? `duplicate group key "${key}" in community ${label} (first at ${at}): ${HINT}`
        : `group key ${JSON.stringify(key)} in community ${label} is the group ${JSON.stringify(firstKey)} at ${at} (group keys are compared without surrounding spaces and in one Unicode form): ${HINT}`;
    return { ...pos, field: 'key', message };
  }

  /** The community_id of a community these manifests adopt, by its handle (a scan: asked only when a chat_id is given). */
  adoptedIdOf(handle: string): string | undefined {
    for (const [id, h] of this.adoptedIds) if (h === handle) return id;
    return undefined;
  }

  /** Every group claimed: its parent as named, its identity and its packed place. */
  *groups(): Iterable<{ parent: ParentRef; identity: string; place: number }> {
    for (const [handle, keys] of this.byHandle) for (const [identity, place] of keys) yield { parent: { handle }, identity, place };
    for (const [id, keys] of this.byId) for (const [identity, place] of keys) yield { parent: { id }, identity, place };
  }

  private keysOf(index: Map<string, Map<string, number>>, ref: string): Map<string, number> {
    let keys = index.get(ref);
    if (keys === undefined) {
      keys = new Map();
      index.set(detach(ref), keys);
    }
    return keys;
  }

  /**
   * Groups of one key under a community named by id and by handle would be sent twice: a fault
   * on the later of each pair. `handleOfId` is the ledger's community_id → handle.
   */
  givenTwice(handleOfId: ((communityId: string) => string | undefined) | undefined): ManifestFault[] {
    const faults: ManifestFault[] = [];
    for (const [id, keys] of this.byId) {
      const handle = this.adoptedIds.get(id) ?? handleOfId?.(id);
      const other = handle === undefined ? undefined : this.byHandle.get(handle);
      if (handle === undefined || other === undefined) continue;
      for (const [identity, byId] of keys) {
        const byHandle = other.get(identity);
        if (byHandle !== undefined) faults.push(this.twiceFault(identity, id, handle, byId, byHandle));
      }
    }
    return faults;
  }

  private twiceFault(identity: string, id: string, handle: string, byId: number, byHandle: number): ManifestFault {
    const idFirst = this.places.before(byId, byHandle);
    const [first, later] = idFirst ? [byId, byHandle] : [byHandle, byId];
    const [firstName, laterName] = idFirst ? [`with id ${id}`, `"${handle}"`] : [`"${handle}"`, `with id ${id}`];
    return {
      ...this.places.unpack(later),
      field: 'key',
      message: `group key "${identity}" in community ${laterName} is the group "${identity}" of community ${firstName} at ${this.places.where(first)} ("${handle}" has id ${id}: both name one group): ${HINT}`,
    };
  }
}
