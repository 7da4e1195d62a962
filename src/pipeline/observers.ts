// What every pipeline stage tells its caller while it works: callbacks only, never settings
// (those are all in the RunConfig), so the CLI and a library user observe runs the same way.

export interface Observers {
  /** Warnings: a stale lock taken over, a torn ledger line, manifest warnings (`file:line: field: message`). */
  onWarning?: (message: string) => void;
}
