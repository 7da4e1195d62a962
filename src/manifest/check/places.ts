// Compact source places for the cross-file indexes: `line * files + file index`, a small integer
// (a V8 Smi) for any sane run, instead of an object per handle or group key kept for the load.
import type { SourcePos } from '../entry.js';

export class Places {
  private readonly files: readonly string[];
  private readonly index = new Map<string, number>();

  /** Every file of the run, in the order given: faults sort in that order. */
  constructor(files: readonly string[]) {
    this.files = [...new Set(files)];
    this.files.forEach((file, i) => this.index.set(file, i));
  }

  /** The file's rank in the order given; -1 for a file not of this run. */
  order(file: string): number {
    return this.index.get(file) ?? -1;
  }

  pack(pos: SourcePos): number {
    const id = this.index.get(pos.file);
    // Entries come only from the run's files: another file here is a bug in a reader.
    if (id === undefined) throw new Error(`a place in ${pos.file}, which is not a file of this load`);
    return pos.line * this.files.length + id;
  }

  unpack(code: number): { file: string; line: number } {
    const slots = this.files.length;
    return { file: this.files[code % slots], line: Math.floor(code / slots) };
  }

  /** `file:line` of a packed place, for messages that point at a first occurrence. */
  where(code: number): string {
    const { file, line } = this.unpack(code);
    return `${file}:${line}`;
  }

  /** Whether place `a` comes before place `b` in the order files were given. */
  before(a: number, b: number): boolean {
    const slots = this.files.length;
    const fa = a % slots;
    const fb = b % slots;
    return fa !== fb ? fa < fb : a < b;
  }
}
