// `apply` as one call: lock the ledger, replay it, plan, run, close. The CLI and embedding
// services both use this; they observe the run through the executor's events.
import { randomUUID } from 'node:crypto';
import { GenuinClient } from '../api/client.js';
import type { ManifestFault } from '../errors.js';
import { acquireLock, lockLostError } from '../ledger/lock.js';
import { apiOrigin, checkOrigin, SIMULATOR_ORIGIN } from '../ledger/origin.js';
import { readLedger, type LedgerState } from '../ledger/replay.js';
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
  let executor: Executor | undefined;
  const lock = await acquireLock(config.ledgerPath, {
    onWarning: warn,
    // Another process may take a lost lock and use this ledger: stop sending now, not at the end.
    onLost: () => executor?.stop('fatal'),
  });
  let simulator: Simulator | undefined;
  let writer: LedgerWriter | undefined;
  try {
    const ledger = await readLedger(config.ledgerPath, { onWarning: warn });
    // Before anything is sent: a ledger from another API would make its items look done here.
    const origin = checkOrigin(config.ledgerPath, ledger, config.simulate ? SIMULATOR_ORIGIN : apiOrigin(config.apiUrl!));
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
    if (origin.action !== 'none') {
      await writer.append(origin.line);
      ledger.applyMeta(origin.line);
      if (origin.action === 'adopt') warn(origin.notice);
    }
    await lock.assertHeld();
    const client = new GenuinClient({ baseUrl: apiUrl, token, timeoutMs: config.timeoutMs, maxSockets: config.concurrency });
    executor = new Executor({
      client,
      ledger: writer,
      runId: randomUUID(),
      rate: config.rate,
      concurrency: config.concurrency,
      retries: config.retries,
      maxDurationMs: config.maxDurationMs,
      chatIdsHonoured: ledger.chatIdsHonoured,
      deriveChatIds: config.deriveChatIds,
      retryGroup5xx: config.retryGroup5xx,
      idOwner: idIndex(ledger),
    });
    if (lock.lost !== undefined) executor.stop('fatal'); // lost between the check above and now
    hooks.onExecutor?.(executor);
    const summary = await executor.run(plan);
    // TODO(lead): the summary is lost with this throw; the CLI could print it before exit 3.
    if (lock.lost !== undefined) throw lockLostError(lock.lost, 'stopped sending');
    return { summary, plan, apiUrl };
  } finally {
    await writer?.close();
    await simulator?.close();
    await lock.release();
  }
}

/**
 * Which item the ledger holds each id for, built on the first question: a rerun that creates
 * nothing never pays for it.
 */
function idIndex(ledger: LedgerState): (id: string) => string | undefined {
  let index: Map<string, string> | undefined;
  return (id) => {
    if (!index) {
      index = new Map();
      for (const s of ledger.items.values()) {
        if (s.status !== 'created' && s.status !== 'adopted') continue;
        const owner = `${s.kind} ${s.key}`;
        for (const held of [s.community_id, s.chat_id, s.group_id]) if (held) index.set(held, owner);
      }
    }
    return index.get(id);
  };
}
