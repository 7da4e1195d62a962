// The resource bounds of the manifest loaders, defined once: every hostile or accidental
// input (a 10 GB file, an alias bomb, a 500-level nesting, a million faults) stops at one of these.

import { ConfigError } from '../errors.js';

export interface ManifestLimits {
  /** Largest CSV file accepted, in bytes. CSV is streamed, so this bounds time, not memory. */
  maxFileBytes: number;
  /**
   * Largest YAML file accepted, in bytes. YAML is parsed in memory (its defaults apply to every
   * file) at about 100 bytes of memory per byte of YAML (measured: 5 MB → 0.5 GB, 20 MB → 1.7 GB
   * and 20 s), so the default stays well inside Node's heap. Large manifests belong in CSV.
   */
  maxYamlBytes: number;
  /**
   * Longest CSV cell, and longest YAML text value, in characters. A whole CSV record may hold up
   * to 16 cells of this size (csv-parse's `max_record_size`), which is what stops an unclosed
   * quote from buffering the file.
   */
  maxCellBytes: number;
  /** Deepest nesting of objects and lists inside one entry (YAML values, JSON cells). */
  maxDepth: number;
  /** Longest list inside an entry (`members`, `users`, `actions`, ...). The `communities` and `groups` lists themselves are not bounded by it. */
  maxListLength: number;
  /** YAML `toJS({ maxAliasCount })`: bounds alias expansion (the "billion laughs" bomb) per anchor. */
  maxAliasCount: number;
  /** Faults (and, separately, warnings) kept; the rest are counted in a final "… and N more". */
  maxFaults: number;
}

export const DEFAULT_LIMITS: Readonly<ManifestLimits> = Object.freeze({
  maxFileBytes: 4 * 1024 ** 3,
  maxYamlBytes: 16 * 1024 ** 2,
  maxCellBytes: 64 * 1024,
  maxDepth: 32,
  maxListLength: 10_000,
  maxAliasCount: 10_000,
  maxFaults: 1000,
});

/**
 * The environment variable that raises each limit from the command line (read by
 * src/config/limits.ts), named in every message about a limit so the user knows the way out.
 */
export const LIMIT_ENV: Readonly<Record<keyof ManifestLimits, string>> = Object.freeze({
  maxFileBytes: 'GENUIN_MAX_MANIFEST_BYTES',
  maxYamlBytes: 'GENUIN_MAX_YAML_BYTES',
  maxCellBytes: 'GENUIN_MAX_CELL_BYTES',
  maxDepth: 'GENUIN_MAX_DEPTH',
  maxListLength: 'GENUIN_MAX_LIST_LENGTH',
  maxAliasCount: 'GENUIN_MAX_ALIASES',
  maxFaults: 'GENUIN_MAX_ERRORS',
});

/** `(limit maxDepth; raise it with GENUIN_MAX_DEPTH)`: appended to every message about a limit. */
export function limitHint(key: keyof ManifestLimits): string {
  return `(limit ${key}; raise it with ${LIMIT_ENV[key]})`;
}

/** CSV records may hold this many maximal cells before csv-parse gives up on the record. */
export const CELLS_PER_RECORD_LIMIT = 16;

export function resolveLimits(partial: Partial<ManifestLimits> | undefined): ManifestLimits {
  const limits = { ...DEFAULT_LIMITS };
  if (partial) {
    for (const key of Object.keys(DEFAULT_LIMITS) as (keyof ManifestLimits)[]) {
      const value = partial[key];
      if (value !== undefined) {
        if (typeof value !== 'number' || !(value > 0)) {
          throw new ConfigError(`manifest limit ${key} must be a positive number`);
        }
        limits[key] = value;
      }
    }
  }
  return limits;
}
