// The community handles of a load: each handle's first place (duplicates are faults, case-only
// variants warnings), and the top-level groups' references to handles, resolved at the end
// against every file of the run and the handles the ledger knows.
import { detach } from '../../detach.js';
import type { ManifestFault } from '../../errors.js';
import type { SourcePos } from '../entry.js';
import { didYouMean } from '../suggest.js';
import type { Finding } from './fault.js';
import type { Places } from './places.js';

/** Handles up to this count are searched for a "did you mean" when a reference does not resolve. */
const SUGGEST_HANDLES_UP_TO = 20_000;

export class HandleIndex {
  /** Lower-cased handle → first place. Kept for the whole load: copies, not views of the file's text (detach.ts). */
  private readonly first = new Map<string, number>();
  /** Lower-cased handle → the handle as written, only where the two differ. */
  private readonly mixedCase = new Map<string, string>();
  /** Handles that differ from an earlier one only in case (rare, warned about). */
  private readonly caseVariants = new Set<string>();
  /** Handle references not resolved when seen: handle → [first place, count]. */
  private readonly pendingRefs = new Map<string, [number, number]>();

  constructor(private readonly places: Places) {}

  /** Registers a community's handle (valid entry or not, so one bad row does not cascade). */
  add(handle: string, pos: SourcePos): Finding | undefined {
    const lower = handle.toLowerCase();
    const first = this.first.get(lower);
    if (first === undefined) {
      const key = detach(lower);
      this.first.set(key, this.places.pack(pos));
      if (lower !== handle) this.mixedCase.set(key, detach(handle));
      return undefined;
    }
    const original = this.mixedCase.get(lower) ?? lower;
    const where = this.places.where(first);
    if (original === handle || this.caseVariants.has(handle)) {
      return { fault: { ...pos, field: 'handle', message: `duplicate handle "${handle}" (first at ${where})` } };
    }
    this.caseVariants.add(detach(handle));
    return {
      warning: { ...pos, field: 'handle', message: `handle "${handle}" differs only in case from "${original}" at ${where}: the API may treat them as the same` },
    };
  }

  has(handle: string): boolean {
    const lower = handle.toLowerCase();
    if (!this.first.has(lower)) return false;
    return (this.mixedCase.get(lower) ?? lower) === handle || this.caseVariants.has(handle);
  }

  /** A top-level group's `community_handle`: resolved now, or by `unresolved()`. */
  ref(handle: string, pos: SourcePos): void {
    if (this.has(handle)) return;
    const pending = this.pendingRefs.get(handle);
    if (pending) pending[1]++;
    else this.pendingRefs.set(detach(handle), [this.places.pack(pos), 1]);
  }

  /** A fault for each referenced handle that no file of the run defines and `isKnown` does not know. */
  unresolved(isKnown: ((handle: string) => boolean) | undefined): ManifestFault[] {
    const faults: ManifestFault[] = [];
    const suggest = this.first.size <= SUGGEST_HANDLES_UP_TO;
    for (const [handle, [code, count]] of this.pendingRefs) {
      if (this.has(handle) || isKnown?.(handle)) continue;
      const guess = suggest ? didYouMean(handle, this.all()) : undefined;
      const others = count > 1 ? ` (and ${count - 1} more group${count === 2 ? '' : 's'})` : '';
      faults.push({
        ...this.places.unpack(code),
        field: 'community_handle',
        message: `no community "${handle}" in these manifests or among those already created${others}` + (guess === undefined ? '' : ` (did you mean "${guess}"?)`),
      });
    }
    return faults;
  }

  private *all(): Iterable<string> {
    for (const lower of this.first.keys()) yield this.mixedCase.get(lower) ?? lower;
    yield* this.caseVariants;
  }
}
