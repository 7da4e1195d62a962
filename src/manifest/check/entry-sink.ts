// Where valid entries go: to the caller's `onEntry` as they are validated (streaming, nothing
// kept), or into a list returned with the load.
import type { ManifestEntry } from '../entry.js';

export class EntrySink {
  readonly entries: ManifestEntry[] = [];

  constructor(private readonly onEntry?: (entry: ManifestEntry) => void) {}

  add(entry: ManifestEntry): void {
    if (this.onEntry) this.onEntry(entry);
    else this.entries.push(entry);
  }
}
