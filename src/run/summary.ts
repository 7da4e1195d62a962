// What a run reports when it ends: counts per outcome, pace, and every item that needs a
// person, with the one thing to do about it.
import { TALLY_KEYS, type TallyKey } from '../status.js';
import type { PlanItem } from '../plan/plan.js';

/**
 * Counts per outcome (status.ts's TallyKey): `skipped` is already done according to the ledger
 * (nothing sent); `not_started` the run stopped (signal, --max-duration, abort) before sending.
 */
export type Tally = Record<TallyKey, number>;

export function emptyTally(): Tally {
  return Object.fromEntries(TALLY_KEYS.map((k) => [k, 0])) as Tally;
}

export interface UnresolvedItem {
  item: PlanItem;
  status: 'exists' | 'failed' | 'in_doubt' | 'blocked' | 'conflict';
  /** What happened and what to do, in words for a person. */
  reason: string;
}

/** Why a run stopped starting new work early. */
export type StopReason = 'signal' | 'max-duration' | 'fatal' | 'ledger' | 'lock';

/** A created id that the ledger (or this run) already holds for another item: a person must look. */
export interface IdConflict {
  item: PlanItem;
  id: string;
  /** `kind key` of the item that holds it. */
  heldBy: string;
}

export interface RunSummary {
  runId: string;
  tally: Tally;
  /** The same counts per kind (their sum is `tally`). */
  byKind: Record<'community' | 'group', Tally>;
  /** HTTP requests sent (attempts, retries included). */
  requests: number;
  /** Of those, the answers that were 429 (rate limited). */
  throttled: number;
  elapsedMs: number;
  /** Requests per second between the first send and the last answer. */
  requestRate: number;
  /**
   * The rate found (requests per second): with `--rate auto`, or once a 429 showed the server's
   * limit under a fixed `--rate`. The level held just under the limit; recorded in the ledger.
   */
  rateFound?: number;
  unresolved: UnresolvedItem[];
  /** Ids the server handed out twice (to two of our items): recorded, and reported here. */
  conflicts: IdConflict[];
  /** Set when the run stopped early. */
  stopped?: StopReason;
  /**
   * Set when a hard stop (a second signal) cut requests in flight: how many had been sent (each
   * item is in doubt, counted in `tally.in_doubt`) and how many had not (left for the next run,
   * counted in `tally.not_started`).
   */
  cut?: { sent: number; unsent: number };
}

/**
 * True when nothing in the manifests is left to do. A community that already exists is done
 * (listed for a look, since its id is unknown); the groups it blocks are not.
 */
export function isComplete(summary: RunSummary): boolean {
  const t = summary.tally;
  return t.failed === 0 && t.in_doubt === 0 && t.conflict === 0 && t.blocked === 0 && t.not_started === 0 && summary.conflicts.length === 0 && !summary.stopped;
}
