// The one entry point of the pipeline (manifest → plan → run → ledger → report) that every CLI
// command and the library (src/index.ts) call: configuration, validate, plan, apply, report, ledger verbs.
// One file per stage call (validate, make-plan and plan, apply, probe, report, ledger): each call stays
// short, and this index reads as the list of what the tool can do.
export {
  resolveRunConfig,
  ledgerConfig,
  locateLedger,
  ledgerRuleText,
  logSettings,
  DEFAULTS,
  type RunConfig,
  type RunConfigOptions,
  type RunFlags,
  type LedgerLocation,
  type LogSettings,
  type ProgressSettings,
} from '../config/run-config.js';
export type { Observers } from './observers.js';
export { validateManifests, type Validated } from './validate.js';
export { planManifests, type PlannedManifests } from './plan.js';
export { probeApi, type ProbeHooks, type ProbeResult } from './probe.js';
export { parseChatIdSetting, profileWords, CHAT_ID_SETTING, type ChatIdProfile, type ChatIdAnswer } from '../api/chat-id-profile.js';
export { applyManifests, LockHeldError, type ApiTarget, type ApplyHooks, type ApplyResult } from './apply.js';
export type { SettledHit } from './settled.js';
export {
  reportLedger,
  reportFailedItems,
  reportByCommunity,
  communitySummaries,
  COMMUNITY_COLUMNS,
  csvChunks,
  csvChunksOf,
  jsonChunks,
  type CommunitySummary,
  manifestCsv,
  type LedgerReport,
  type FailedReport,
  type FailedItem,
  type ManifestCsv,
  type ManifestRow,
  type ReportObservers,
} from './report.js';
export {
  compactLedgerOf,
  resolveLedgerItem,
  settleLedgerItems,
  RefusedDecisions,
  showLedgerItem,
  appendLedgerLines,
  exportLedgerOf,
  importLedgerInto,
  isInDoubt,
  historyLine,
  stateWords,
  type LedgerConfig,
  type ShownItem,
  type Resolution,
  type Resolved,
  type Decision,
  type DecisionSource,
  type BulkCheck,
  type Change,
  type Settled,
  type SettleLedgerOptions,
  type AppendResult,
  type CompactResult,
  type ExportResult,
  type ImportResult,
} from './ledger.js';
// A person's decisions read from files, or drawn from the ledger by a filter: the sources settleLedgerItems takes.
export { readFilledReport, type ReadDecisions } from '../decisions/filled-report.js';
export { readAdoptCsv } from '../decisions/adopt-csv.js';
export { inDoubtDecisions, type InDoubtFilter } from '../decisions/in-doubt-filter.js';
