// The executor: walks a plan through a concurrency-limited queue and an even pacer, and owns
// the run: starting items (a group the moment its parent's community_id is known), stopping,
// its events and its summary. One item's attempts are attempt.ts; each item's state and what a
// parent's end does to its children, walk.ts; what the run learns of the server, observations.ts.
import { EventEmitter, setMaxListeners } from 'node:events';
import PQueue from 'p-queue';
import type { CreatedIds, Outcome } from '../api/outcome.js';
import type { LedgerEvent } from '../ledger/event.js';
import type { Plan, PlanItem } from '../plan/plan.js';
import { GenuinError, LedgerError } from '../errors.js';
import { carriedIds, REASON } from '../status.js';
import { Attempts, ledgerLine, Sends, StoppedError, type AttemptSettings } from './attempt.js';
import type { ExecutorOptions, LedgerSink, ObservedLine, OutcomeEvent, SettledEvent, UndurableEvent } from './executor-api.js';
import { IdOwners } from './id-owners.js';
import { Observations, RATE_WATCH_MS } from './observations.js';
import { fatalError, SetupCheck } from './setup-check.js';
import { TokenGate } from './token-gate.js';
import { Pacer, type PauseEvent } from './pacer.js';
import { emptyTally, type IdConflict, type RunSummary, type StopReason, type Tally, type UnresolvedItem } from './summary.js';
import { Walk } from './walk.js';

export type { StopReason } from './summary.js';
export type { ExecutorOptions, LedgerSink, ObservedLine, OutcomeEvent, Sender, SettledEvent, UndurableEvent } from './executor-api.js';
export { EXECUTOR_SETTINGS, executorSettings } from './executor-api.js';
export type { IdField } from './id-owners.js';

export interface Executor {
  on(event: 'outcome', listener: (e: OutcomeEvent) => void): this;
  on(event: 'settled', listener: (e: SettledEvent) => void): this;
  on(event: 'blocked', listener: (item: PlanItem, reason: string) => void): this;
  on(event: 'stopping', listener: (reason: StopReason) => void): this;
  on(event: 'undurable', listener: (e: UndurableEvent) => void): this;
  on(event: 'conflict', listener: (e: IdConflict) => void): this;
  /** The pacer paused every request (a 429): once per pause, with its length and the rate after it. */
  on(event: 'paused', listener: (e: PauseEvent) => void): this;
  /** The rate found changed (`--rate auto`, or a 429 under a fixed rate): requests per second. */
  on(event: 'rate', listener: (rate: number) => void): this;
}

/** `--rate auto` goes no higher than this unless --max-rate says otherwise. */
export const DEFAULT_MAX_RATE = 500;
/**
 * Sends awaiting an answer before the first 429, at first (pacer.ts; one more per answer): a
 * start-up that reads answers late then sends a few too many, not a second's worth at `--rate`.
 */
const INITIAL_WINDOW = 4;

export class Executor extends EventEmitter {
  readonly #o: AttemptSettings & Pick<ExecutorOptions, 'concurrency' | 'maxDurationMs' | 'ledger'>;
  readonly #queue: PQueue;
  readonly #pacer: Pacer;
  /** Aborted on a graceful stop: nothing new starts; requests in flight finish and are recorded. */
  readonly #stopStarting = new AbortController();
  /** Aborted on a hard stop: requests in flight are cut. */
  readonly #hardAbort = new AbortController();
  readonly #tasks = new Set<Promise<void>>();
  readonly #tally: Tally = emptyTally();
  /** The same counts per kind: what the metrics export splits by `kind`. */
  readonly #byKind: Record<PlanItem['kind'], Tally> = { community: emptyTally(), group: emptyTally() };
  readonly #sends = new Sends();
  readonly #unresolved: UnresolvedItem[] = [];
  readonly #conflicts: IdConflict[] = [];
  readonly #ids: IdOwners;
  readonly #observations: Observations;
  readonly #attempts: Attempts;
  #walk?: Walk;
  #stopReason?: StopReason;
  #fatal?: Error;
  #startedAt?: number;

  constructor(options: ExecutorOptions) {
    super();
    this.#o = { minBackoffMs: 500, maxBackoffMs: 30_000, maxThrottlesPerItem: 50, deriveChatIds: true, retryGroup5xx: false, now: () => performance.now(), ...options };
    this.#queue = new PQueue({ concurrency: options.concurrency });
    const auto = options.rate === 'auto';
    this.#pacer = new Pacer({
      rate: auto ? (options.maxRate ?? DEFAULT_MAX_RATE) : (options.rate as number),
      auto,
      knownLimit: auto ? options.knownRate : undefined,
      initialWindow: INITIAL_WINDOW,
      onPause: (pause) => this.emit('paused', pause),
    });
    this.#ids = new IdOwners(options.idOwner);
    this.#observations = new Observations({
      runId: options.runId,
      pacer: this.#pacer,
      chatIdExists: options.chatIdExists,
      chatIdsHonoured: options.chatIdsHonoured,
      ledger: options.ledger,
      append: (line) => this.#append(line),
      now: this.#o.now,
      requests: () => this.#sends.requests,
      stopReason: () => this.#stopReason,
      rateChanged: (rate) => this.emit('rate', rate),
    });
    this.#attempts = new Attempts({
      o: this.#o,
      queue: this.#queue,
      pacer: this.#pacer,
      stopSignal: this.#stopStarting.signal,
      hardSignal: this.#hardAbort.signal,
      tokens: new TokenGate(options.refreshToken),
      setup: new SetupCheck(options.apiBaseHint),
      observations: this.#observations,
      sends: this.#sends,
      append: (line) => this.#append(line),
      stop: (reason) => this.stop(reason),
      outcome: (e) => this.emit('outcome', e satisfies OutcomeEvent),
    });
    // Every request in flight and every item waiting to retry listens on these two signals:
    // more than Node's default of 10 is the normal case, not a leak (the warning was noise).
    setMaxListeners(0, this.#stopStarting.signal, this.#hardAbort.signal);
  }

  get runId(): string {
    return this.#o.runId;
  }

  /** The rate found so far (requests per second), or undefined while nothing is known about the limit (fixed --rate, no 429). */
  get rateFound(): number | undefined {
    return this.#observations.rateFound;
  }

  get stopReason(): StopReason | undefined {
    return this.#stopReason;
  }

  /** Graceful stop: start nothing new, let requests in flight finish and record them. */
  stop(reason: StopReason = 'signal'): void {
    if (this.#stopStarting.signal.aborted) return;
    this.#stopReason = reason;
    this.#stopStarting.abort(new StoppedError(reason));
    this.emit('stopping', reason);
  }

  /**
   * Stops the run for a cause outside it (the ledger's lock lost, say): nothing new is sent,
   * requests in flight are recorded, and run() then rejects with `error`.
   */
  fail(error: GenuinError, reason: StopReason): void {
    this.#fatal ??= error;
    this.stop(reason);
  }

  /** Hard stop: cut requests in flight too (their items stay in doubt in the ledger). */
  abort(): void {
    this.stop('signal');
    this.#hardAbort.abort(new StoppedError('aborted'));
  }

  async run(plan: Plan): Promise<RunSummary> {
    if (this.#walk) throw new Error('internal: an Executor runs one plan once');
    const walk = (this.#walk = new Walk(plan));
    this.#startedAt = this.#o.now();
    const deadline = this.#o.maxDurationMs !== undefined ? setTimeout(() => this.stop('max-duration'), this.#o.maxDurationMs) : undefined;
    // The rate found goes to the progress line as it changes, and to the ledger now and then (a
    // run killed outright still leaves it) and at the end.
    const rateWatch = setInterval(() => this.#observations.watchRate(), RATE_WATCH_MS);
    rateWatch.unref();
    try {
      await this.#feed(plan, walk);
      // Releases add tasks while we wait: drain until nothing is left.
      while (this.#tasks.size > 0) await Promise.all([...this.#tasks]);
    } finally {
      if (deadline) clearTimeout(deadline);
      clearInterval(rateWatch);
    }
    if (!this.#fatal || !(this.#fatal instanceof LedgerError)) await this.#observations.recordRate().catch(() => undefined);
    if (this.#fatal) throw this.#fatal;
    return this.summary();
  }

  /**
   * The run's figures so far; after run() has settled, its final summary. A run that ended with
   * an error (credentials, the ledger, its lock) has one too: what it did before it stopped.
   */
  summary(): RunSummary {
    const elapsedMs = this.#startedAt === undefined ? 0 : this.#o.now() - this.#startedAt;
    const sends = this.#sends;
    // Pace between the first and the last send: n sends span n - 1 gaps.
    const activeMs = sends.firstAt !== undefined && sends.lastAt !== undefined ? sends.lastAt - sends.firstAt : 0;
    const notStarted = (kind?: PlanItem['kind']) => this.#walk?.notStarted(kind) ?? 0;
    return {
      runId: this.#o.runId,
      tally: { ...this.#tally, not_started: this.#tally.not_started + notStarted() },
      byKind: {
        community: { ...this.#byKind.community, not_started: this.#byKind.community.not_started + notStarted('community') },
        group: { ...this.#byKind.group, not_started: this.#byKind.group.not_started + notStarted('group') },
      },
      requests: sends.requests,
      throttled: sends.throttled,
      elapsedMs,
      requestRate: activeMs > 0 ? ((sends.requests - 1) / activeMs) * 1000 : 0,
      rateFound: sends.requests > 0 ? this.rateFound : undefined,
      unresolved: [...this.#unresolved],
      conflicts: [...this.#conflicts],
      stopped: this.#stopReason,
      ...(this.#hardAbort.signal.aborted ? { cut: { ...sends.cut } } : {}),
    };
  }

  /** The plan in its own order: what was decided at plan time is counted, the rest is started. */
  async #feed(plan: Plan, walk: Walk): Promise<void> {
    for (const item of plan.items) {
      switch (item.action) {
        case 'create':
          // A child starts when its parent's id arrives (its release), wherever it was written.
          if (!walk.isFeedable(item)) break;
          // Backpressure: feed the queue only as fast as it drains, so a million-item plan
          // does not become a million pending promises.
          if (this.#queue.size >= this.#o.concurrency * 2) await this.#queue.onSizeLessThan(this.#o.concurrency);
          if (this.#stopping || !walk.isFeedable(item)) break;
          this.#start(item, item.communityId);
          break;
        case 'adopt':
          if (this.#stopping) break;
          walk.start(item);
          try {
            await this.#append(ledgerLine(this.#o.runId, item, 'adopted', { community_id: item.communityId }));
          } catch (error) {
            this.#abortWith(error);
            break;
          }
          walk.settle(item);
          this.#count(item, 'adopted');
          break;
        case 'skip':
          this.#count(item, 'skipped');
          if (item.done === 'exists') this.#unresolved.push({ item, status: 'exists', reason: item.reason! });
          break;
        case 'blocked':
          // A conflict an earlier run recorded is still one: counted as such until a person settles it.
          this.#count(item, item.done === 'conflict' ? 'conflict' : 'blocked');
          this.#unresolved.push({ item, status: item.done === 'conflict' ? 'conflict' : 'blocked', reason: item.reason! });
          break;
        case 'in_doubt':
          this.#count(item, 'in_doubt');
          this.#unresolved.push({ item, status: 'in_doubt', reason: item.reason! });
          break;
      }
    }
  }

  get #stopping(): boolean {
    return this.#stopStarting.signal.aborted;
  }

  #start(item: PlanItem, communityId: string | undefined): void {
    this.#walk!.start(item);
    const task = this.#runItem(item, communityId).catch((error: unknown) => this.#abortWith(error));
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
  }

  /** Only aborts reach here (fatal answers, ledger failures): stop everything, then rethrow from run(). */
  #abortWith(error: unknown): void {
    if (!this.#fatal) this.#fatal = error instanceof Error ? error : new Error(String(error));
    this.stop(error instanceof LedgerError ? 'ledger' : 'fatal');
  }

  async #runItem(item: PlanItem, communityId: string | undefined): Promise<void> {
    const end = await this.#attempts.run(item, communityId);
    if ('outcome' in end) return this.#settle(item, end.outcome, end.attempts, end.gaveUp);
    this.#walk!.settle(item);
    this.#count(item, 'not_started'); // its waiting children are counted with every other unstarted item
  }

  async #settle(item: PlanItem, outcome: Outcome, attempts: number, gaveUpRetries: boolean): Promise<void> {
    this.#walk!.settle(item);
    this.emit('settled', { item, outcome, attempts, gaveUp: gaveUpRetries } satisfies SettledEvent);
    switch (outcome.type) {
      case 'created': {
        const conflicts = this.#ids.check(item, outcome.ids);
        if (conflicts.length > 0) return this.#conflict(item, outcome.ids, conflicts);
        this.#count(item, 'created');
        if (item.kind === 'community') this.#release(item, outcome.ids.community_id!);
        return;
      }
      case 'exists':
        this.#count(item, 'exists');
        this.#unresolved.push({ item, status: 'exists', reason: REASON.existsCommunity(item.key) });
        this.#block(item, REASON.blockedByParent(item.key, 'exists'));
        return;
      case 'in_doubt':
        // A community's children stay waiting: not started, the next run decides.
        this.#count(item, 'in_doubt');
        this.#unresolved.push({
          item,
          status: 'in_doubt',
          reason: item.kind === 'community' ? REASON.inDoubtCommunity(item.key) : REASON.inDoubtGroup(item.key, `${outcome.message}: it may have been created`),
        });
        return;
      case 'fatal':
        throw fatalError(outcome);
      default:
        this.#count(item, 'failed');
        this.#unresolved.push({ item, status: 'failed', reason: failureText(outcome) });
        this.#block(item, REASON.blockedByParent(item.key, 'failed'));
    }
  }

  /**
   * An answer that carried another item's id: recorded as a `conflict` line with every id it
   * carried (never dropped) and the item that holds the first; nothing is created under it (a
   * community's groups are blocked, naming both), and it waits for a person (`ledger resolve`).
   */
  async #conflict(item: PlanItem, ids: CreatedIds, conflicts: IdConflict[]): Promise<void> {
    for (const conflict of conflicts) {
      this.#conflicts.push(conflict);
      this.emit('conflict', conflict);
    }
    const heldBy = conflicts[0]!.heldBy;
    const carried = carriedIds(ids);
    this.#count(item, 'conflict');
    this.#unresolved.push({ item, status: 'conflict', reason: REASON.conflict(item.kind, item.key, carried, heldBy) });
    this.#block(item, REASON.blockedByConflict(item.key, heldBy));
    const message = `its answer carried ${carried}, which the ledger holds for ${heldBy}`;
    await this.#append(ledgerLine(this.#o.runId, item, 'conflict', { ...ids, held_by: heldBy, message }));
  }

  /** A community that gets no id here: its waiting children are blocked, pointing at its problem once. */
  #block(parent: PlanItem, why: string): void {
    if (parent.kind !== 'community') return;
    for (const child of this.#walk!.block(parent)) {
      this.#count(child, 'blocked');
      this.#unresolved.push({ item: child, status: 'blocked', reason: why });
      this.emit('blocked', child, why);
    }
  }

  #release(community: PlanItem, communityId: string): void {
    for (const child of this.#walk!.release(community)) {
      if (this.#stopping) continue; // left ready: counted as not started
      this.#start(child, communityId);
    }
  }

  /** One more item of `item`'s kind ends as `key`: the run's tally and its kind's. */
  #count(item: PlanItem, key: keyof Tally): void {
    this.#tally[key]++;
    this.#byKind[item.kind][key]++;
  }

  /**
   * Appends a line; if the ledger fails, an answer's ids are handed out (the `undurable` event)
   * so they are not lost with it, and the run stops naming the ledger as the cause.
   */
  async #append(line: LedgerEvent | ObservedLine): Promise<void> {
    try {
      await this.#o.ledger.append(line);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      if (line.event === 'created' || line.event === 'adopted') this.emit('undurable', { line: line as LedgerEvent, error: err } satisfies UndurableEvent);
      if (!this.#fatal) this.#fatal = err instanceof GenuinError ? err : new LedgerError(`cannot write the ledger: ${err.message}`);
      this.stop('ledger');
      throw this.#fatal;
    }
  }
}

function failureText(outcome: Outcome): string {
  if (outcome.type !== 'failed' && outcome.type !== 'retry') return outcome.type;
  const parts = [outcome.status !== undefined ? `HTTP ${outcome.status}` : undefined, outcome.code ? `code ${outcome.code}` : undefined]
    .filter(Boolean)
    .join(' ');
  // The classifier's own messages may already start with the status ("HTTP 307: …").
  if (!parts || outcome.message.startsWith('HTTP ')) return outcome.message;
  return `${parts}: ${outcome.message}`;
}
