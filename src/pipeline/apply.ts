// `apply` as one call: lock the ledger, replay it, plan, run, close. The pipeline (src/pipeline/)
// exposes it to the CLI and to embedding services, who observe the run through the executor's events.
import { randomUUID } from 'node:crypto';
import { clientAgents } from '../api/agents.js';
import type { ClientOptions } from '../api/client.js';
import { proxyDisplay } from '../api/proxy.js';
import { createTokenSource, type Credentials } from '../api/token-source.js';
import { ConfigError, type ManifestFault } from '../errors.js';
import { lockLostError } from '../ledger/lock.js';
import { planMoveLines } from '../ledger/move.js';
import { apiOrigin, checkOrigin, formatLines, SIMULATOR_ORIGIN } from '../ledger/origin.js';
import { PROFILE_FORMAT } from '../ledger/event.js';
import type { LedgerState } from '../ledger/replay.js';
import { ledgerStore } from '../ledger/open.js';
import type { HeldLedger, LedgerAppender, LedgerStore } from '../ledger/store.js';
import { makePlan } from './make-plan.js';
import type { Plan } from '../plan/plan.js';
import type { RunConfig } from '../config/run-config.js';
import { checkApiUrl, suggestApiBase } from '../config/api-target.js';
import { Executor, executorSettings, type Sender } from '../run/executor.js';
import { ID_FIELDS, type IdField, type LedgerIdOwner } from '../run/id-owners.js';
import { holdProfile } from '../run/chat-id-trust.js';
import { watchForAnotherLedger } from '../run/another-ledger.js';
import type { RunSummary } from '../run/summary.js';
import { findSettled, inputsDigest, recordSettled, settledPath, settledPlan, settledSummary, settles, type SettledHit } from './settled.js';

/** What applyManifests rejects with when another live run holds the ledger (cron's `--skip-if-locked`). */
export { LockHeldError } from '../errors.js';

/**
 * Where requests go instead of the configuration's GENUIN_API_URL and credentials: a server the
 * caller started (the CLI's `apply --simulate` starts the simulator and passes it here), reached
 * directly, never through a proxy. This module never starts a server itself.
 */
export interface ApiTarget {
  /** Base URL, e.g. the simulator's `http://127.0.0.1:<port>`. */
  readonly apiUrl: string;
  readonly credentials: Credentials;
}

/** Observers of a run: callbacks only; every setting is in the RunConfig. */
export interface ApplyHooks {
  /** Warnings (stale lock taken over, torn ledger line, manifest warnings). */
  onWarning?: (message: string) => void;
  /**
   * Called with the plan before anything is sent, and the ledger as it was before this run (its
   * `runs`, `lines`), read lean: items carry no `share_url` and an empty `updated_at` (read the
   * ledger itself, `reportLedger`, for those).
   */
  onPlan?: (plan: Plan, warnings: ManifestFault[], ledger: LedgerState) => void;
  /** Called with the executor before it starts: subscribe to its events, keep it to stop it. */
  onExecutor?: (executor: Executor) => void;
  /** Facts worth one line at info (the proxy in use, each access token obtained). */
  onNotice?: (message: string) => void;
}

export interface ApplyResult {
  summary: RunSummary;
  plan: Plan;
  /** Base URL the run talked to (the simulator's when simulating). */
  apiUrl: string;
  /**
   * Set when nothing changed since a run that found everything done (`config.reuseSettled`):
   * that run's counts are reported, nothing was read or sent, `plan` has its counts and no items,
   * and onPlan and onExecutor were not called.
   */
  settled?: SettledHit;
}

/**
 * Applies `files` with `config` (from resolveRunConfig). With `config.simulate`, `target` is
 * required: the simulator to run against. Without it, `target` (optional) replaces the
 * configuration's API URL and credentials.
 */
export async function applyManifests(files: string[], config: RunConfig, hooks: ApplyHooks = {}, target?: ApiTarget): Promise<ApplyResult> {
  const started = performance.now();
  // A run that warned of anything is not recorded as settled: the next one says it again.
  let warned = 0;
  const warn = (m: string): void => {
    warned++;
    hooks.onWarning?.(m);
  };
  const api = apiOf(config, target);
  // A target is a server this process started (the simulator): reached directly, never through a proxy.
  const proxy = target || config.simulate ? undefined : config.proxy;
  if (proxy) hooks.onNotice?.(`requests to the API go through the proxy ${proxyDisplay(proxy)}`);
  let executor: Executor | undefined;
  // The file, or PostgreSQL for a postgres:// ledger: the same lock, replay and durable appends.
  const store = ledgerStore(config.ledgerPath);
  const lock = await store.lock({
    onWarning: warn,
    // Another process may take a lost lock and use this ledger: stop sending now, not at the end.
    onLost: (reason) => executor?.fail(lockLostError(reason, 'stopped sending'), 'lock'),
    onWaiting: (m) => hooks.onNotice?.(m),
  });
  let writer: LedgerAppender | undefined;
  try {
    const runId = randomUUID();
    // Nothing changed since a run that found everything done: its answer is this run's.
    const settled = config.reuseSettled ? await settledInputs(files, config, store, lock) : undefined;
    if (settled?.entry) {
      const { entry } = settled;
      return { summary: settledSummary(entry, runId, performance.now() - started), plan: settledPlan(entry), apiUrl: api.apiUrl, settled: { run: entry.run, at: entry.at } };
    }
    const ledger = await lock.read({ onWarning: warn, lean: true });
    // No item ever recorded: a streak of "exists" answers then says it is another ledger than before.
    const noHistory = ledger.items.size === 0;
    // Before anything is sent: a ledger from another API would make its items look done here.
    // The store's name: a database URL given with its password is never shown with it.
    const origin = checkOrigin(store.name, ledger, config.simulate ? SIMULATOR_ORIGIN : apiOrigin(api.apiUrl));
    // The setting and the ledger's evidence agree, or nothing is sent.
    const held = holdProfile(ledger.profileObserved, config.chatIdSetting, store.name, runId);
    const { plan, warnings } = await makePlan(files, { ledger, retryInDoubt: config.retryInDoubt, limits: config.limits, chatIdProfile: held.profile });
    for (const w of warnings) warn(`${w.file}:${w.line}: ${w.field}: ${w.message}`);
    hooks.onPlan?.(plan, warnings, ledger);

    const apiUrl = api.apiUrl;
    const tokens = createTokenSource(api.credentials, {
      baseUrl: apiUrl,
      timeoutMs: config.timeoutMs,
      agent: clientAgents(1, proxy?.url),
      proxy: proxy?.url,
      onObtained: (n, variable) =>
        hooks.onNotice?.(n === 1 ? `access token obtained through ${variable}` : `access token renewed through ${variable} after a 401 (token ${n} of this run)`),
    });
    // The first token before anything is sent (an auth error writes nothing), and only when
    // something will be: a run with nothing to do stays off the network.
    const sends = plan.counts.create.community + plan.counts.create.group > 0;
    if (tokens.refreshable && sends) await tokens.refresh();
    writer = await lock.openWriter();
    if (origin.action !== 'none') {
      await writer.append(origin.line);
      ledger.applyMeta(origin.line);
      if (origin.action === 'adopt') warn(origin.notice);
    }
    if (held.record) {
      for (const line of formatLines(ledger, PROFILE_FORMAT)) {
        await writer.append(line);
        ledger.applyMeta(line);
      }
      await writer.append(held.record);
      ledger.applyMeta(held.record);
    }
    // Groups whose manifest entry says moved_from: their ledger items move first, durable before any send.
    if (plan.counts.moved > 0) {
      for (const line of planMoveLines(plan.items, ledger, runId, new Date())) {
        await writer.append(line);
        ledger.apply(line);
      }
    }
    await lock.assertHeld();
    const client = await apiClient({ baseUrl: apiUrl, token: () => tokens.current(), timeoutMs: config.timeoutMs, maxSockets: config.concurrency, proxy: proxy?.url }, sends);
    executor = new Executor({
      client,
      ledger: writer,
      runId,
      ...executorSettings(config),
      // --rate auto starts near what the last run found on this ledger's API, not from the bottom.
      knownRate: ledger.rateFound,
      chatIdsHonoured: ledger.chatIdsHonoured,
      chatIdExists: held.profile.unique === true ? held.profile.exists : undefined,
      idOwner: idIndex(ledger),
      // On a 401: one new token, then the refused request again (a fixed token has none: the 401 stops the run).
      refreshToken: tokens.refreshable ? () => tokens.refresh() : undefined,
      apiBaseHint: config.simulate ? undefined : suggestApiBase(apiUrl),
    });
    if (lock.lost !== undefined) executor.fail(lockLostError(lock.lost, 'stopped sending'), 'lock'); // lost between the check above and now
    if (noHistory && !config.expectExisting) watchForAnotherLedger(executor, { ledger: store.name, from: config.ledgerFrom });
    hooks.onExecutor?.(executor);
    const summary = await executor.run(plan);
    // A loss the watch had no time to see (the run was already ending) still fails the run.
    if (lock.lost !== undefined) throw lockLostError(lock.lost, 'stopped sending');
    // Recorded only if the ledger and the manifests are still what this run read.
    if (settled && settles(summary, plan, warned) && (await lock.mark()) === settled.mark && (await inputsDigest(files, config)) === settled.inputs) {
      await recordSettled(settled.path, { inputs: settled.inputs, mark: settled.mark, run: runId, tally: summary.tally, byKind: summary.byKind, rateFound: summary.rateFound, counts: plan.counts });
    }
    return { summary, plan, apiUrl };
  } finally {
    await writer?.close();
    await lock.release();
    await store.close();
  }
}

/** What this run reads, as digests, and the settled entry they match, if any. */
async function settledInputs(files: string[], config: RunConfig, store: LedgerStore, lock: HeldLedger) {
  const inputs = await inputsDigest(files, config);
  if (inputs === undefined) return undefined;
  const mark = await lock.mark();
  const path = settledPath(store);
  return { inputs, mark, path, entry: await findSettled(path, inputs, mark) };
}

/**
 * The API client. Its module loads got (about 70 modules): a run with nothing to send (the
 * scheduled rerun of a finished job) gets a client that loads it only if it ever sends; a run
 * with work loads it now, before the first slot, so the first request does not wait for it.
 */
async function apiClient(options: ClientOptions, sends: boolean): Promise<Sender> {
  const load = () => import('../api/client.js').then((m) => new m.GenuinClient(options));
  if (sends) return load();
  let client: Promise<Sender> | undefined;
  return { send: async (kind, json, signal) => (await (client ??= load())).send(kind, json, signal) };
}

/** Where this run sends requests, checked before the ledger is touched. */
function apiOf(config: RunConfig, target: ApiTarget | undefined): ApiTarget {
  if (target) {
    checkApiUrl(target.apiUrl);
    return target;
  }
  if (config.simulate) throw new ConfigError('simulate: no simulator to run against; start one (startSimulator) and pass { apiUrl, credentials } as the target');
  if (config.apiUrl === undefined) throw new ConfigError('GENUIN_API_URL is not set: resolve the configuration with requireApi (the default) to apply');
  return { apiUrl: config.apiUrl, credentials: config.credentials ?? { source: 'token', token: config.token! } };
}

/**
 * Which item the ledger holds each id for, built on the first question: a rerun that creates
 * nothing never pays for it.
 */
function idIndex(ledger: LedgerState): LedgerIdOwner {
  let index: Map<string, string> | undefined;
  return (field, id) => {
    if (!index) {
      index = new Map();
      const hold = (ids: Partial<Record<IdField, string>>, owner: string) => {
        for (const f of ID_FIELDS) if (ids[f] && !index!.has(`${f}\t${ids[f]}`)) index!.set(`${f}\t${ids[f]}`, owner);
      };
      for (const s of ledger.items.values()) {
        // A conflicted item's ids are another's; ids an item held before a later answer replaced them are still its.
        if (s.held_by !== undefined) continue;
        const owner = `${s.kind} ${s.key}`;
        for (const e of s.earlier ?? []) if (e.held_by === undefined) hold(e, owner);
        if (s.status === 'created' || s.status === 'adopted') hold(s, owner);
      }
    }
    return index.get(`${field}\t${id}`);
  };
}
