// `apply` as one call: lock the ledger, replay it, plan, run, close. The CLI and embedding
// services both use this; they observe the run through the executor's events.
import { randomUUID } from 'node:crypto';
import { GenuinClient } from '../api/client.js';
import type { ManifestFault } from '../errors.js';
import { acquireLock } from '../ledger/lock.js';
import { readLedger } from '../ledger/replay.js';
import { LedgerWriter } from '../ledger/writer.js';
import type { ManifestLimits } from '../manifest/load.js';
import { makePlan } from '../plan/make-plan.js';
import type { Plan } from '../plan/plan.js';
import type { RunConfig } from '../config/run-config.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import { Executor } from './executor.js';
import type { RunSummary } from './summary.js';

/** The fake token of the in-process simulator (`apply --simulate`). */
const SIMULATOR_TOKEN = 'sim-token';

export interface ApplyHooks {
  /** Warnings (stale lock taken over, torn ledger line, manifest warnings). */
  onWarning?: (message: string) => void;
  /** Called with the plan before anything is sent. */
  onPlan?: (plan: Plan, warnings: ManifestFault[]) => void;
  /** Called with the executor before it starts: subscribe to its events, keep it to stop it. */
  onExecutor?: (executor: Executor) => void;
  limits?: Partial<ManifestLimits>;
}

export interface ApplyResult {
  summary: RunSummary;
  plan: Plan;
  /** Base URL the run talked to (the simulator's when simulating). */
  apiUrl: string;
}

export async function applyManifests(files: string[], config: RunConfig, hooks: ApplyHooks = {}): Promise<ApplyResult> {
  const warn = hooks.onWarning ?? (() => {});
  const release = await acquireLock(config.ledgerPath, { onWarning: warn });
  let simulator: Simulator | undefined;
  let writer: LedgerWriter | undefined;
  try {
    const ledger = await readLedger(config.ledgerPath, { onWarning: warn });
    const { plan, warnings } = await makePlan(files, { ledger, retryInDoubt: config.retryInDoubt, limits: hooks.limits });
    for (const w of warnings) warn(`${w.file}:${w.line}: ${w.field}: ${w.message}`);
    hooks.onPlan?.(plan, warnings);

    let apiUrl = config.apiUrl!;
    let token = config.token!;
    if (config.simulate) {
      token = SIMULATOR_TOKEN;
      simulator = await startSimulator({ token });
      apiUrl = simulator.url;
    }
    writer = await LedgerWriter.open(config.ledgerPath);
    const client = new GenuinClient({ baseUrl: apiUrl, token, timeoutMs: config.timeoutMs, maxSockets: config.concurrency });
    const executor = new Executor({
      client,
      ledger: writer,
      runId: randomUUID(),
      rate: config.rate,
      concurrency: config.concurrency,
      retries: config.retries,
      maxDurationMs: config.maxDurationMs,
    });
    hooks.onExecutor?.(executor);
    const summary = await executor.run(plan);
    return { summary, plan, apiUrl };
  } finally {
    await writer?.close();
    await simulator?.close();
    await release();
  }
}
