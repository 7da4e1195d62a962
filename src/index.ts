// The library surface: the same pipeline the CLI uses, for embedding in another Node service.
//   const ledger = await readLedger(path);
//   const { plan } = await makePlan(files, { ledger });
//   const summary = await new Executor({ client, ledger: await LedgerWriter.open(path), ... }).run(plan);
// or all of it at once: applyManifests(files, resolveRunConfig({ flags, env: process.env })).
// No `.env` is read unless resolveRunConfig is given `dotenv`.

export * from './api/schema.js';
export { classify, parseRetryAfter, type Outcome, type OutcomeType, type RawResult, type CreatedIds } from './api/outcome.js';
export { GenuinClient, type ClientOptions } from './api/client.js';
export * from './errors.js';
export type { CommunityEntry, GroupEntry, ManifestEntry, SourcePos } from './manifest/entry.js';
export { loadManifests, type LoadOptions, type LoadResult, type ManifestLimits } from './manifest/load.js';
export { PlanBuilder, type Plan, type PlanItem, type PlanAction, type PlanCounts } from './plan/plan.js';
export { makePlan, type MakePlanOptions, type MadePlan } from './plan/make-plan.js';
export { bodyHash } from './plan/body-hash.js';
export * from './ledger/event.js';
export { readLedger, type LedgerState } from './ledger/replay.js';
export { LedgerWriter } from './ledger/writer.js';
export { acquireLock, LockHeldError } from './ledger/lock.js';
export { compactLedger } from './ledger/compact.js';
export { reportRows, REPORT_COLUMNS, type ReportRow } from './report/rows.js';
export { toCsv } from './report/csv.js';
export { toJson } from './report/json.js';
export { Executor, type ExecutorOptions, type OutcomeEvent, type SettledEvent, type Sender, type LedgerSink, type StopReason } from './run/executor.js';
export { Pacer, type PacerOptions } from './run/pacer.js';
export { applyManifests, type ApplyHooks, type ApplyResult } from './run/apply.js';
export { isComplete, type RunSummary, type Tally, type UnresolvedItem } from './run/summary.js';
export { resolveRunConfig, locateLedger, DEFAULTS, type RunConfig, type RunConfigOptions, type RunFlags, type LedgerLocation } from './config/run-config.js';
export { parseRate, parseDuration } from './config/parse.js';
export { startSimulator, type Simulator, type SimulatorOptions } from './simulator/index.js';
export { ProgressModel, type ProgressFigures, type KindProgress } from './run/progress.js';
