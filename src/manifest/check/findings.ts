// The faults and warnings of one load: each list capped at limits.maxFaults (the rest counted),
// made printable, and sorted by the order the files were given, then line and column.
import type { ManifestFault } from '../../errors.js';
import { hasUnsafe, printable } from '../../printable.js';
import { type ManifestLimits, limitHint } from '../limits.js';
import type { Finding } from './fault.js';

/** Messages quote keys, handles and column names from the manifest: print them safely. */
function printableFault(f: ManifestFault): ManifestFault {
  if (!hasUnsafe(f.message) && !hasUnsafe(f.field)) return f;
  return { ...f, field: printable(f.field), message: printable(f.message) };
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

export class Findings {
  private readonly faults: CappedList;
  private readonly warnings: CappedList;

  constructor(limits: ManifestLimits) {
    this.faults = new CappedList(limits.maxFaults);
    this.warnings = new CappedList(limits.maxFaults);
  }

  fault(f: ManifestFault): void {
    this.faults.add(printableFault(f));
  }

  warn(f: ManifestFault): void {
    this.warnings.add(printableFault(f));
  }

  add(found: Finding | undefined): void {
    if (found === undefined) return;
    if ('fault' in found) this.fault(found.fault);
    else this.warn(found.warning);
  }

  /** Faults so far, including those beyond the listing limit. */
  get faultCount(): number {
    return this.faults.size;
  }

  /** Both lists sorted; `fileOrder` ranks a file (the order files were given). */
  sorted(fileOrder: (file: string) => number): { faults: ManifestFault[]; warnings: ManifestFault[] } {
    return { faults: sortedList(this.faults, fileOrder), warnings: sortedList(this.warnings, fileOrder) };
  }
}

function sortedList(list: CappedList, order: (file: string) => number): ManifestFault[] {
  const out = [...list.items].sort((a, b) => order(a.file) - order(b.file) || a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
  if (list.dropped > 0 && list.firstDropped) {
    const { file, line } = list.firstDropped;
    out.push({ file, line, field: 'manifest', message: `… and ${list.dropped} more: only the first ${list.items.length} are listed ${limitHint('maxFaults')}` });
  }
  return out;
}
