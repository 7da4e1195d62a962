// The pipeline's apply stage on its own: what `apply` imports, so that the command loads the run
// and not every other stage the pipeline's index also names (reports, decisions, yaml).
export { applyManifests, type ApiTarget, type ApplyHooks, type ApplyResult } from '../run/apply.js';
/** What applyManifests rejects with when another live run holds the ledger (cron's `--skip-if-locked`). */
export { LockHeldError } from '../ledger/lock.js';
