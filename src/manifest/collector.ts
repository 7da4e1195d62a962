// The run-wide state of one load: faults and warnings (capped), counts, and the compact
// cross-file indexes (handles, parent references, group keys) that let a million rows be
// checked without keeping a million entries.
import type { ManifestFault } from '../errors.js';
import type { CommunityEntry, GroupEntry, ManifestEntry, SourcePos } from './entry.js';
import type { ManifestLimits } from './limits.js';
import { didYouMean } from './suggest.js';

// A place packed into one number: line * 2^20 + file index (files are few, lines many).
const FILE_SLOTS = 2 ** 20;

/** Handles up to this count are searched for a "did you mean" when a reference does not resolve. */
const SUGGEST_HANDLES_UP_TO = 20_000;

export interface CollectorOptions {
  limits: ManifestLimits;
  onEntry?: (entry: ManifestEntry) => void;
  isKnownHandle?: (handle: string) => boolean;
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
  /** Lower-cased handle → first place. */
  private readonly handles = new Map<string, number>();
  /** Lower-cased handle → the handle as written, only where the two differ. */
  private readonly mixedCase = new Map<string, string>();
  /** Handles that differ from an earlier one only in case (rare, warned about). */
  private readonly caseVariants = new Set<string>();
  /** Handle references not resolved when seen: handle → [first place, count]. */
  private readonly pendingRefs = new Map<string, [number, number]>();
  /** `parent \0 key` → first place. */
  private readonly groupKeys = new Map<string, number>();

  constructor(private readonly options: CollectorOptions) {
    this.faults = new CappedList(options.limits.maxFaults);
    this.warnings = new CappedList(options.limits.maxFaults);
  }

  get faultCount(): number {
    return this.faults.size;
  }

  fileId(file: string): number {
    let id = this.fileIndex.get(file);
    if (id === undefined) {
      id = this.files.length;
      this.files.push(file);
      this.fileIndex.set(file, id);
    }
    return id;
  }

  fault(f: ManifestFault): void {
    this.faults.add(f);
  }

  warn(f: ManifestFault): void {
    this.warnings.add(f);
  }

  private pack(pos: SourcePos): number {
    return pos.line * FILE_SLOTS + this.fileId(pos.file);
  }

  private where(code: number): string {
    return `${this.files[code % FILE_SLOTS]}:${Math.floor(code / FILE_SLOTS)}`;
  }

  private unpack(code: number): { file: string; line: number } {
    return { file: this.files[code % FILE_SLOTS], line: Math.floor(code / FILE_SLOTS) };
  }

  /** Registers a community handle (valid entry or not, so one bad row does not cascade). */
  handle(handle: string, pos: SourcePos): void {
    const lower = handle.toLowerCase();
    const first = this.handles.get(lower);
    if (first === undefined) {
      this.handles.set(lower, this.pack(pos));
      if (lower !== handle) this.mixedCase.set(lower, handle);
      return;
    }
    const original = this.mixedCase.get(lower) ?? lower;
    if (original === handle || this.caseVariants.has(handle)) {
      this.fault({ ...pos, field: 'handle', message: `duplicate handle "${handle}" (first at ${this.where(first)})` });
    } else {
      this.caseVariants.add(handle);
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
    else this.pendingRefs.set(handle, [this.pack(pos), 1]);
  }

  /** A group's identity within its parent (`parent` is `h:<handle>` or `i:<id>`); false if taken. */
  groupKey(parent: string, parentLabel: string, key: string, pos: SourcePos): boolean {
    const k = `${parent}\u0000${key}`;
    const first = this.groupKeys.get(k);
    if (first === undefined) {
      this.groupKeys.set(k, this.pack(pos));
      return true;
    }
    this.fault({ ...pos, field: 'key', message: `duplicate group key "${key}" in community ${parentLabel} (first at ${this.where(first)}); give each group a distinct key or group.name` });
    return false;
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
    const known = this.options.isKnownHandle;
    const manyHandles = this.handles.size > SUGGEST_HANDLES_UP_TO;
    for (const [handle, [code, count]] of this.pendingRefs) {
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
        message: `… and ${list.dropped} more (only the first ${list.items.length} are listed; raise limits.maxFaults to see more)`,
      });
    }
    return out;
  }
}
