// `report` as calls: the ledger's latest state as rows (with the manifests: the groups only the
// plan knows, blocked or abandoned with their community), or the items that need a person as
// manifest rows to fix and apply again. Formats (CSV, JSON, manifest CSV) are the report stage's.
import { ConfigError, formatFault } from '../errors.js';
import { ledgerRuleText, type RunConfig } from '../config/run-config.js';
import type { LedgerState } from '../ledger/replay.js';
import { ledgerExistsAt, readLedgerAt } from '../ledger/open.js';
import { makePlan } from './make-plan.js';
import type { Plan } from '../plan/plan.js';
import { failedItems, type FailedItem } from '../report/failed-items.js';
import { manifestRow, type ManifestRow } from '../report/manifest-csv.js';
import { conflictHolders, reportRows, reportRowsWithPlan, unresolvedRows, type ReportRow } from '../report/rows.js';
import { communitySummaries, type CommunitySummary } from '../report/by-community.js';
import type { Observers } from './observers.js';

export { csvChunks, csvChunksOf } from '../report/csv.js';
export { COMMUNITY_COLUMNS, communitySummaries, type CommunitySummary } from '../report/by-community.js';
export { jsonChunks } from '../report/json.js';
export { manifestCsv, type ManifestCsv, type ManifestRow } from '../report/manifest-csv.js';
export type { FailedItem } from '../report/failed-items.js';

export interface ReportObservers extends Observers {
  /** The ledger is there and about to be reported on (before the manifests are read). */
  onLedger?: (path: string) => void;
}

type ReportConfig = Pick<RunConfig, 'ledgerPath' | 'limits'>;

export interface LedgerReport {
  ledgerPath: string;
  /** Produced as they are read: a million-item ledger is never one array of rows. */
  rows: Iterable<ReportRow>;
}

/**
 * The ledger's rows; with `files`, plus what their plan knows (blocked groups); with `failed`
 * and no files, the unresolved rows only. A ledger that is not there is a ConfigError (exit 2):
 * an empty report reads as "nothing was ever created". Faults in the manifests come first
 * (ManifestError).
 */
export async function reportLedger(files: string[], config: ReportConfig, options: { failed?: boolean } = {}, observers: ReportObservers = {}): Promise<LedgerReport> {
  const state = await openLedger(files, config, observers);
  if (files.length > 0) {
    const plan = await planOf(files, state, config, observers, false);
    return { ledgerPath: config.ledgerPath, rows: reportRowsWithPlan(state, plan) };
  }
  const rows = reportRows(state);
  return { ledgerPath: config.ledgerPath, rows: options.failed ? unresolvedRows(rows, conflictHolders(state)) : rows };
}

/**
 * One row per community with the tally of its groups (created / in doubt / failed / blocked /
 * other), from the same rows `reportLedger` gives: with `files`, blocked groups count too.
 */
export async function reportByCommunity(files: string[], config: ReportConfig, observers: ReportObservers = {}): Promise<{ ledgerPath: string; communities: CommunitySummary[] }> {
  const { ledgerPath, rows } = await reportLedger(files, config, {}, observers);
  return { ledgerPath, communities: communitySummaries(rows) };
}

export interface FailedReport {
  ledgerPath: string;
  /** In manifest order, each with its status and reason. */
  items: FailedItem[];
  /** The same items as manifest rows (`rows[i]` is `items[i]`). */
  rows: ManifestRow[];
}

/** The items of `files` that need a person, joined to their manifest entries (`report --failed <manifests>`). */
export async function reportFailedItems(files: string[], config: ReportConfig, observers: ReportObservers = {}): Promise<FailedReport> {
  const state = await openLedger(files, config, observers);
  const plan = await planOf(files, state, config, observers, true);
  const items = failedItems(plan, state);
  return { ledgerPath: config.ledgerPath, items, rows: items.map((f) => manifestRow(f.item)) };
}

async function openLedger(files: string[], config: ReportConfig, observers: ReportObservers): Promise<LedgerState> {
  const path = config.ledgerPath;
  // The file, or PostgreSQL for a postgres:// ledger.
  const state = await readLedgerAt(path, { onWarning: observers.onWarning });
  if (!(await ledgerExistsAt(path))) {
    // Faults in the manifests given are still told first.
    if (files.length > 0) await planOf(files, state, config, observers, false);
    throw new ConfigError(`ledger ${path} does not exist yet: nothing to report; ${ledgerRuleText()}`);
  }
  observers.onLedger?.(path);
  return state;
}

async function planOf(files: string[], ledger: LedgerState, config: ReportConfig, observers: Observers, keepBodies: boolean): Promise<Plan> {
  const made = await makePlan(files, { ledger, limits: config.limits, keepBodies });
  for (const w of made.warnings) observers.onWarning?.(formatFault(w));
  return made.plan;
}
