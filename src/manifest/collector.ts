// The run-wide state of one load: faults and warnings (capped), counts, and the compact
// cross-file indexes (handles, parent references, group keys) that let a million rows be
// checked without keeping a million entries.
import { detach } from '../detach.js';
import { groupIdentity } from '../plan/item-key.js';
import { hasUnsafe, printable } from '../printable.js';
import type { ManifestFault } from '../errors.js';
import type { CommunityEntry, GroupEntry, ManifestEntry, SourcePos } from './entry.js';
import { type ManifestLimits, limitHint } from './limits.js';
import { didYouMean } from './suggest.js';

/** Messages quote keys, handles and column names from the manifest: print them safely. */
function printableFault(f: ManifestFault): ManifestFault {
  if (!hasUnsafe(f.message) && !hasUnsafe(f.field)) return f;
  return { ...f, field: printable(f.field), message: printable(f.message) };
}

/** Handles up to this count are searched for a "did you mean" when a reference does not resolve. */
const SUGGEST_HANDLES_UP_TO = 20_000;

export interface CollectorOptions {
  limits: ManifestLimits;
  onEntry?: (entry: ManifestEntry) => void;
  isKnownHandle?: (handle: string) => boolean;
  /** The handle of a community the ledger has this id for: a group under either name is one group. */
  handleOfId?: (communityId: string) => string | undefined;
}

class CappedList {
  readonly items: ManifestFault[] = [];
  dropped = 0;
  firstDropped: ManifestFault | undefined;
  constructor(private readonly max: number) {}
  add(f: ManifestFault): void {
    if (this.items.length < this.max) this.items.push(f);
    else {
      this.dropped++;
      this.firstDropped ??= f;
    }
  }
  get size(): number {
    return this.items.length + this.dropped;
  }
}

export class Collector {
  readonly entries: ManifestEntry[] = [];
  readonly counts = { communities: 0, groups: 0, files: 0 };
  private readonly faults: CappedList;
  private readonly warnings: CappedList;
  private readonly files: string[] = [];
  private readonly fileIndex = new Map<string, number>();
  /** Places are packed as `line * slots + file index`: small integers (V8 Smis) for any sane run. */
  private slots = 1;
  /** Lower-cased handle → first place. */
  private readonly handles = new Map<string, number>();
  /** Lower-cased handle → the handle as written, only where the two differ. */
  private readonly mixedCase = new Map<string, string>();
  /** Handles that differ from an earlier one only in case (rare, warned about). */
  private readonly caseVariants = new Set<string>();
  /** Handle references not resolved when seen: handle → [first place, count]. */
  private readonly pendingRefs = new Map<string, [number, number]>();
  /** Parent community (by handle, by id) → group identity (item-key.ts: NFC, trimmed) → first place. */
  private readonly keysByHandle = new Map<string, Map<string, number>>();
  private readonly keysById = new Map<string, Map<string, number>>();
  /** `parent\0identity` → the key as first written, only where the two differ (rare). */
  private readonly keySpelling = new Map<string, string>();
  /** Adopted communities of these manifests: community_id → handle. */
  private readonly adoptedIds = new Map<string, string>();

  /**
   * A file could not be read through (missing, unparsable, a CSV syntax error): handles it
   * defines are unknown, so unresolved references are not reported (they would only echo
   * that fault, once per handle).
   */
  incomplete = false;

  constructor(private readonly options: CollectorOptions) {
    this.faults = new CappedList(options.limits.maxFaults);
    this.warnings = new CappedList(options.limits.maxFaults);
  }

  /** Faults so far, including those beyond the listing limit. */
  get faultCount(): number {
    return this.faults.size;
  }

  /** Registers a file; faults are sorted in registration order. */
  fileId(file: string): number {
    let id = this.fileIndex.get(file);
    if (id === undefined) {
      id = this.files.length;
      this.files.push(file);
      this.fileIndex.set(file, id);
      if (this.files.length > this.slots) this.repack();
    }
    return id;
  }

  fault(f: ManifestFault): void {
    this.faults.add(printableFault(f));
  }

  warn(f: ManifestFault): void {
    this.warnings.add(printableFault(f));
  }

  private pack(pos: SourcePos): number {
    return pos.line * this.slots + this.fileId(pos.file);
  }

  private unpack(code: number): { file: string; line: number } {
    return { file: this.files[code % this.slots], line: Math.floor(code / this.slots) };
  }

  private where(code: number): string {
    const { file, line } = this.unpack(code);
    return `${file}:${line}`;
  }

  /** More files than slots (files are normally all registered before any place is packed). */
  private repack(): void {
    const old = this.slots;
    this.slots = Math.max(old * 2, this.files.length);
    const convert = (code: number) => Math.floor(code / old) * this.slots + (code % old);
    for (const [k, v] of this.handles) this.handles.set(k, convert(v));
    for (const v of this.pendingRefs.values()) v[0] = convert(v[0]);
    for (const index of [this.keysByHandle, this.keysById]) {
      for (const keys of index.values()) for (const [k, v] of keys) keys.set(k, convert(v));
    }
  }

  /** Registers a community handle (valid entry or not, so one bad row does not cascade). */
  handle(handle: string, pos: SourcePos): void {
    const lower = handle.toLowerCase();
    const first = this.handles.get(lower);
    if (first === undefined) {
      // Kept for the whole load: copies, not views of the file's text (see detach.ts).
      const key = detach(lower);
      this.handles.set(key, this.pack(pos));
      if (lower !== handle) this.mixedCase.set(key, detach(handle));
      return;
    }
    const original = this.mixedCase.get(lower) ?? lower;
    if (original === handle || this.caseVariants.has(handle)) {
      this.fault({ ...pos, field: 'handle', message: `duplicate handle "${handle}" (first at ${this.where(first)})` });
    } else {
      this.caseVariants.add(detach(handle));
      this.warn({
        ...pos,
        field: 'handle',
        message: `handle "${handle}" differs only in case from "${original}" at ${this.where(first)}: the API may treat them as the same`,
      });
    }
  }

  private hasHandle(handle: string): boolean {
    const lower = handle.toLowerCase();
    if (!this.handles.has(lower)) return false;
    return (this.mixedCase.get(lower) ?? lower) === handle || this.caseVariants.has(handle);
  }

  /** A top-level group's `community_handle`: resolved now, or at `finish()`. */
  handleRef(handle: string, pos: SourcePos): void {
    if (this.hasHandle(handle)) return;
    const pending = this.pendingRefs.get(handle);
    if (pending) pending[1]++;
    else this.pendingRefs.set(detach(handle), [this.pack(pos), 1]);
  }

  /** An adopted community (handle and community_id): groups under its handle and under its id are checked together. */
  adopted(handle: string, communityId: string): void {
    if (!this.adoptedIds.has(communityId)) this.adoptedIds.set(detach(communityId), detach(handle));
  }

  /**
   * A group's identity within its parent community (given by handle or by id); false if taken.
   * Keys are compared as the ledger keys them (NFC, trimmed): " Talk" and "Talk" are one group.
   */
  groupKey(parent: { handle?: string; id?: string }, key: string, pos: SourcePos): boolean {
    const byHandle = parent.handle !== undefined;
    const index = byHandle ? this.keysByHandle : this.keysById;
    const ref = (byHandle ? parent.handle : parent.id) as string;
    let keys = index.get(ref);
    if (keys === undefined) {
      keys = new Map();
      index.set(detach(ref), keys);
    }
    const identity = groupIdentity(key);
    const first = keys.get(identity);
    if (first === undefined) {
      keys.set(detach(identity), this.pack(pos));
      if (identity !== key) this.keySpelling.set(detach(`${byHandle ? 'h' : 'i'}${ref}\0${identity}`), detach(key));
      return true;
    }
    const firstKey = this.keySpelling.get(`${byHandle ? 'h' : 'i'}${ref}\0${identity}`) ?? identity;
    const label = byHandle ? `"${ref}"` : `with id ${ref}`;
    this.fault({
      ...pos,
      field: 'key',
      message:
        firstKey === key
          ? `duplicate group key "${key}" in community ${label} (first at ${this.where(first)}): give each group a distinct key or group.name`
          : `group key ${JSON.stringify(key)} in community ${label} is the group ${JSON.stringify(firstKey)} at ${this.where(first)} (group keys are compared without surrounding spaces and in one Unicode form): give each group a distinct key or group.name`,
    });
    return false;
  }

  /**
   * Groups under a community named by id and under the same community named by handle (tied by
   * an adopted entry of these manifests, or by the ledger) are one ledger item when their keys
   * match: two entries would be sent twice. The later entry gets the fault.
   */
  private crossCheckParents(): void {
    for (const [id, keys] of this.keysById) {
      const handle = this.adoptedIds.get(id) ?? this.options.handleOfId?.(id);
      const other = handle === undefined ? undefined : this.keysByHandle.get(handle);
      if (other === undefined) continue;
      for (const [identity, byId] of keys) {
        const byHandle = other.get(identity);
        if (byHandle === undefined) continue;
        const idFirst = this.before(byId, byHandle);
        const [first, later] = idFirst ? [byId, byHandle] : [byHandle, byId];
        const [firstName, laterName] = idFirst ? [`with id ${id}`, `"${handle}"`] : [`"${handle}"`, `with id ${id}`];
        this.fault({
          ...this.unpack(later),
          field: 'key',
          message: `group key "${identity}" in community ${laterName} is the group "${identity}" of community ${firstName} at ${this.where(first)} ("${handle}" has id ${id}: both name one group): give each group a distinct key or group.name`,
        });
      }
    }
  }

  /** Whether place `a` comes before place `b` in the order files were given. */
  private before(a: number, b: number): boolean {
    const fa = a % this.slots;
    const fb = b % this.slots;
    return fa !== fb ? fa < fb : a < b;
  }

  community(entry: CommunityEntry): void {
    this.emit(entry);
  }

  group(entry: GroupEntry): void {
    this.emit(entry);
  }

  private emit(entry: ManifestEntry): void {
    if (this.options.onEntry) this.options.onEntry(entry);
    else this.entries.push(entry);
  }

  /** Final cross-file checks; returns every fault and warning, sorted by file and line. */
  finish(): { faults: ManifestFault[]; warnings: ManifestFault[] } {
    this.crossCheckParents();
    const known = this.options.isKnownHandle;
    const manyHandles = this.handles.size > SUGGEST_HANDLES_UP_TO;
    for (const [handle, [code, count]] of this.incomplete ? [] : this.pendingRefs) {
      if (this.hasHandle(handle) || (known !== undefined && known(handle))) continue;
      const guess = manyHandles ? undefined : didYouMean(handle, this.allHandles());
      const others = count > 1 ? ` (and ${count - 1} more group${count === 2 ? '' : 's'})` : '';
      this.fault({
        ...this.unpack(code),
        field: 'community_handle',
        message:
          `no community "${handle}" in these manifests or among those already created${others}` +
          (guess === undefined ? '' : ` (did you mean "${guess}"?)`),
      });
    }
    return { faults: this.sorted(this.faults), warnings: this.sorted(this.warnings) };
  }

  private *allHandles(): Iterable<string> {
    for (const lower of this.handles.keys()) yield this.mixedCase.get(lower) ?? lower;
    yield* this.caseVariants;
  }

  private sorted(list: CappedList): ManifestFault[] {
    const order = (f: ManifestFault) => this.fileIndex.get(f.file) ?? -1;
    const out = [...list.items].sort((a, b) => order(a) - order(b) || a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
    if (list.dropped > 0 && list.firstDropped) {
      const { file, line } = list.firstDropped;
      out.push({
        file,
        line,
        field: 'manifest',
        message: `… and ${list.dropped} more: only the first ${list.items.length} are listed ${limitHint('maxFaults')}`,
      });
    }
    return out;
  }
}
