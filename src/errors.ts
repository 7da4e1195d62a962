// The small family of errors that abort a command: each carries a one-line, user-facing
// message and the exit code the CLI returns for it. Anything else reaching the CLI is a bug.

/** Exit codes, defined once. */
export const EXIT = {
  /** Everything in the manifests is done. */
  ok: 0,
  /** Some items failed, are blocked or in doubt: re-running may help. */
  unresolved: 1,
  /** Bad usage or invalid manifest: nothing was sent. */
  usage: 2,
  /** Run aborted: credentials rejected, ledger unreadable or locked, interrupted. */
  aborted: 3,
  /** `apply --skip-if-locked`: another run holds the ledger, so this one did nothing (for cron: not a failure). */
  skipped: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export abstract class GenuinError extends Error {
  abstract readonly exitCode: ExitCode;
}

/** Configuration or command-line usage is wrong (exit 2). */
export class ConfigError extends GenuinError {
  readonly exitCode = EXIT.usage;
  override name = 'ConfigError';
}

/** One fault in one manifest, located as precisely as the format allows. */
export interface ManifestFault {
  file: string;
  line: number;
  column?: number;
  /** Dotted field path (`group.name`), or a short label such as `csv` or `yaml`. */
  field: string;
  message: string;
}

export function formatFault(f: ManifestFault): string {
  const where = f.column ? `${f.file}:${f.line}:${f.column}` : `${f.file}:${f.line}`;
  return `${where}: ${f.field}: ${f.message}`;
}

/** One or more manifests are invalid (exit 2): carries every fault found. */
export class ManifestError extends GenuinError {
  readonly exitCode = EXIT.usage;
  override name = 'ManifestError';
  /**
   * `total` counts faults beyond those listed (the loader lists up to limits.maxFaults);
   * `warnings` are the load's warnings, which a person fixing the faults should see too.
   */
  constructor(
    readonly faults: ManifestFault[],
    total = faults.length,
    readonly warnings: ManifestFault[] = [],
  ) {
    super(`${total} manifest error${total === 1 ? '' : 's'}`);
  }
}

/** The ledger cannot be read, written or locked (exit 3). */
export class LedgerError extends GenuinError {
  readonly exitCode = EXIT.aborted;
  override name = 'LedgerError';
}

/** The ledger is locked by another run that is alive (or mid-write): `apply --skip-if-locked` exits 4 on it. */
export class LockHeldError extends LedgerError {
  override name = 'LockHeldError';
}

/**
 * The ledger is locked by a run that cannot be proven gone, whose heartbeat has stood still:
 * only a person may say it is gone (`ledger unlock`). Not a LockHeldError, so `--skip-if-locked`
 * never hides it: left alone, it would stop every later run.
 */
export class StaleLockError extends LedgerError {
  override name = 'StaleLockError';
}

/** The API cannot be reached as configured: TLS not trusted, a URL that is not the API (exit 3). */
export class ConnectionError extends GenuinError {
  readonly exitCode = EXIT.aborted;
  override name = 'ConnectionError';
}

/** The API rejected the credentials (exit 3). */
export class AuthError extends GenuinError {
  readonly exitCode = EXIT.aborted;
  override name = 'AuthError';
}

