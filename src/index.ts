// The library surface: the same pipeline the CLI uses, for embedding in another Node service.
//   const config = resolveRunConfig({ flags: { rate: '5/s' }, env: process.env });   // one frozen object
//   await validateManifests(files, config); const { plan } = await planManifests(files, config);
//   const { summary } = await applyManifests(files, config, { onExecutor: (ex) => ... });
// The stages (loadManifests, makePlan, Executor, LedgerWriter...) are exported too, for callers who
// compose their own. No `.env` is read unless resolveRunConfig is given `dotenv`; no simulator is
// started unless the caller starts one (startSimulator) and passes it to applyManifests as the target.

export * from './pipeline/index.js';
export * from './api/schema.js';
// The schemas built, under the names embedders use; the CLI builds each by its first use instead
// (api/schema.ts: start-up time).
import * as schemas from './api/schema.js';
export const ActionSchema = schemas.actionSchema();
export const HandleSchema = schemas.handleSchema();
export const CommunityBodySchema = schemas.communityBodySchema();
export const GroupMemberSchema = schemas.groupMemberSchema();
export const RecordedVideoSchema = schemas.recordedVideoSchema();
export const GroupFieldsSchema = schemas.groupFieldsSchema();
export const GroupBodySchema = schemas.groupBodySchema();
export const AnswerIdSchema = schemas.answerIdSchema();
export const CommunityCreatedSchema = schemas.communityCreatedSchema();
export const GroupCreatedSchema = schemas.groupCreatedSchema();
export const ErrorBodySchema = schemas.errorBodySchema();
export { classify, parseRetryAfter, type Outcome, type OutcomeType, type RawResult, type CreatedIds } from './api/outcome.js';
export { GenuinClient, type ClientOptions } from './api/client.js';
export * from './errors.js';
export type { CommunityEntry, GroupEntry, ManifestEntry, SourcePos } from './manifest/entry.js';
export { loadManifests, type LoadOptions, type LoadResult, type ManifestLimits } from './manifest/load.js';
export { PlanBuilder, type Plan, type PlanItem, type PlanAction, type PlanCounts } from './plan/plan.js';
export { makePlan, type MakePlanOptions, type MadePlan } from './pipeline/make-plan.js';
export { bodyHash } from './plan/body-hash.js';
export * from './ledger/event.js';
import * as ledgerEvents from './ledger/event.js';
import { credentialsSchema } from './api/token-source.js';
export const LedgerEventSchema = ledgerEvents.ledgerEventSchema();
export const LedgerOriginSchema = ledgerEvents.ledgerOriginSchema();
export const ObservedSchema = ledgerEvents.observedSchema();
export const LedgerMetaSchema = ledgerEvents.ledgerMetaSchema();
export const CredentialsSchema = credentialsSchema();
export { readLedger, type LedgerState } from './ledger/replay.js';
export { LedgerWriter } from './ledger/writer.js';
export { acquireLock, LockHeldError, StaleLockError } from './ledger/lock.js';
export { compactLedger } from './ledger/compact.js';
export { ledgerStore, withLedgerStore, isPostgresUrl } from './ledger/open.js';
export type { LedgerStore, HeldLedger, LedgerAppender, StoreLockOptions } from './ledger/store.js';
export { exportLedger, importLedger, type ExportResult, type ImportResult, type ImportOptions } from './ledger/transfer.js';
export { reportRows, REPORT_COLUMNS, type ReportRow } from './report/rows.js';
export { toCsv } from './report/csv.js';
export { toJson } from './report/json.js';
export { Executor, executorSettings, type ExecutorOptions, type OutcomeEvent, type SettledEvent, type Sender, type LedgerSink, type StopReason } from './run/executor.js';
export { isComplete, type RunSummary, type Tally, type UnresolvedItem } from './run/summary.js';
export { limitsFromEnv } from './config/limits.js';
export { parseRate, parseDuration } from './config/parse.js';
export { createTokenSource, credentialsFromEnv, credentialsSchema, type Credentials, type TokenSource, type TokenSourceContext } from './api/token-source.js';
export { proxyFor, proxyDisplay, type ProxyChoice } from './api/proxy.js';
export { apiOrigin, checkOrigin, SIMULATOR_ORIGIN, type OriginStep } from './ledger/origin.js';
export { startSimulator, type Simulator, type SimulatorOptions } from './simulator/index.js';
export { ProgressModel, type ProgressFigures, type KindProgress } from './run/progress.js';
