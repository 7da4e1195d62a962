// The executor: walks a plan through a concurrency-limited queue and an even pacer, retries
// with backoff, writes every outcome to the ledger before moving on, and releases a group the
// moment its own parent's community_id is known. It knows nothing of manifest formats.
import { EventEmitter, setMaxListeners } from 'node:events';
import PQueue from 'p-queue';
import pRetry from 'p-retry';
import { classify, type Outcome, type RawResult } from '../api/outcome.js';
import type { ItemKind } from '../api/schema.js';
import type { LedgerEvent } from '../ledger/event.js';
import { bodyHash } from '../plan/body-hash.js';
import type { Plan, PlanItem } from '../plan/plan.js';
import { AuthError } from '../errors.js';
import { Pacer } from './pacer.js';
import { emptyTally, type RunSummary, type Tally, type UnresolvedItem } from './summary.js';

export interface Sender {
  send(kind: ItemKind, json: string, signal?: AbortSignal): Promise<RawResult>;
}

export interface LedgerSink {
  /** Resolves once the line is durable. */
  append(event: LedgerEvent): Promise<void>;
}

export interface ExecutorOptions {
  client: Sender;
  ledger: LedgerSink;
  /** Run id written on every ledger line. */
  runId: string;
  /** Requests per second at most. */
  rate: number;
  /** Requests in flight at most. */
  concurrency: number;
  /** Retries after the first attempt for retryable failures (5xx, network). */
  retries: number;
  /** Backoff before the first retry, doubled each time, randomised by [1, 2). Default 500 ms. */
  minBackoffMs?: number;
  /** Longest backoff. Default 30 s. */
  maxBackoffMs?: number;
  /** 429 answers one item may get before they count as a failed attempt. Default 50. */
  maxThrottlesPerItem?: number;
  /** Stop starting new work after this long (ms); in-flight requests finish. */
  maxDurationMs?: number;
  now?: () => number;
}

export interface OutcomeEvent {
  item: PlanItem;
  outcome: Outcome;
  attempt: number;
  durationMs: number;
}

/** An item's end in this run: its final outcome, once its ledger line is durable. */
export interface SettledEvent {
  item: PlanItem;
  /** created, exists, failed (retries used up included), in_doubt or fatal. */
  outcome: Outcome;
  /** Requests sent for it in this run. */
  attempts: number;
  /** True when retryable failures used up --retries (the outcome is then `failed`). */
  gaveUp: boolean;
}

/** Why the run stopped starting new work early. */
export type StopReason = 'signal' | 'max-duration' | 'fatal';

export interface Executor {
  on(event: 'outcome', listener: (e: OutcomeEvent) => void): this;
  on(event: 'settled', listener: (e: SettledEvent) => void): this;
  on(event: 'blocked', listener: (item: PlanItem) => void): this;
  on(event: 'stopping', listener: (reason: StopReason) => void): this;
}

class StoppedError extends Error {
  override name = 'StoppedError';
}

type RetryOutcome = Extract<Outcome, { type: 'retry' }>;

class RetryableAttempt extends Error {
  constructor(readonly outcome: RetryOutcome) {
    super('retryable outcome');
  }
}

export class Executor extends EventEmitter {
  readonly #o: Required<Omit<ExecutorOptions, 'maxDurationMs'>> & Pick<ExecutorOptions, 'maxDurationMs'>;
  readonly #queue: PQueue;
  readonly #pacer: Pacer;
  /** Aborted on a graceful stop: nothing new starts; requests in flight finish and are recorded. */
  readonly #stopStarting = new AbortController();
  /** Aborted on a hard stop: requests in flight are cut. */
  readonly #hardAbort = new AbortController();
  readonly #tasks = new Set<Promise<void>>();
  readonly #tally: Tally = emptyTally();
  readonly #unresolved: UnresolvedItem[] = [];
  #stopReason?: StopReason;
  #fatal?: Error;
  #requests = 0;
  #firstRequestAt?: number;
  #lastRequestAt?: number;

  constructor(options: ExecutorOptions) {
    super();
    this.#o = {
      minBackoffMs: 500,
      maxBackoffMs: 30_000,
      maxThrottlesPerItem: 50,
      now: () => performance.now(),
      ...options,
    };
    this.#queue = new PQueue({ concurrency: options.concurrency });
    this.#pacer = new Pacer({ rate: options.rate });
    // Every request in flight and every item waiting to retry listens on these two signals:
    // more than Node's default of 10 is the normal case, not a leak (the warning was noise).
    setMaxListeners(0, this.#stopStarting.signal, this.#hardAbort.signal);
  }

  get runId(): string {
    return this.#o.runId;
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

  /** Hard stop: cut requests in flight too (their items stay in doubt in the ledger). */
  abort(): void {
    this.stop('signal');
    this.#hardAbort.abort(new StoppedError('aborted'));
  }

  async run(plan: Plan): Promise<RunSummary> {
    const started = this.#o.now();
    const deadline = this.#o.maxDurationMs !== undefined ? setTimeout(() => this.stop('max-duration'), this.#o.maxDurationMs) : undefined;
    try {
      for (const item of plan.items) {
        if (this.#stopStarting.signal.aborted) {
          this.#notStarted(item, plan);
          continue;
        }
        switch (item.action) {
          case 'create':
            // A group whose parent is created in this run starts when that parent's id arrives.
            if (item.kind === 'group' && !item.communityId) break;
            // Backpressure: feed the queue only as fast as it drains, so a million-item plan
            // does not become a million pending promises.
            if (this.#queue.size >= this.#o.concurrency * 2) await this.#queue.onSizeLessThan(this.#o.concurrency);
            this.#start(item, plan);
            break;
          case 'adopt':
            await this.#record(item, 'adopted', { community_id: item.communityId });
            this.#tally.adopted++;
            break;
          case 'skip':
            this.#tally.skipped++;
            if (item.done === 'exists') this.#unresolved.push({ item, status: 'exists', reason: item.reason! });
            break;
          case 'blocked':
            this.#tally.blocked++;
            this.#unresolved.push({ item, status: 'blocked', reason: item.reason! });
            break;
          case 'in_doubt':
            this.#tally.in_doubt++;
            this.#unresolved.push({ item, status: 'in_doubt', reason: item.reason! });
            break;
        }
      }
      // Releases add tasks while we wait: drain until nothing is left.
      while (this.#tasks.size > 0) await Promise.all([...this.#tasks]);
    } finally {
      if (deadline) clearTimeout(deadline);
    }
    if (this.#fatal) throw this.#fatal;
    const elapsedMs = this.#o.now() - started;
    // Pace between the first and the last send: n sends span n - 1 gaps.
    const activeMs = this.#firstRequestAt !== undefined && this.#lastRequestAt !== undefined ? this.#lastRequestAt - this.#firstRequestAt : 0;
    return {
      runId: this.#o.runId,
      tally: { ...this.#tally },
      requests: this.#requests,
      elapsedMs,
      requestRate: activeMs > 0 ? ((this.#requests - 1) / activeMs) * 1000 : 0,
      unresolved: this.#unresolved,
      stopped: this.#stopReason,
    };
  }

  #start(item: PlanItem, plan: Plan): void {
    const task = this.#runItem(item, plan).catch((error: unknown) => {
      // Only aborts reach here (fatal answers, ledger failures): stop everything.
      if (!this.#fatal) this.#fatal = error instanceof Error ? error : new Error(String(error));
      this.stop('fatal');
    });
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
  }

  async #runItem(item: PlanItem, plan: Plan): Promise<void> {
    const json = item.kind === 'group' ? withCommunityId(item.communityId!, item.body!) : item.body!;
    const hash = bodyHash(item.body!);
    let attempt = 0;
    let outcome: Outcome;
    // The last answer that ends the item, once its ledger line is durable. pRetry rejects with
    // the stop reason when the run is stopping even after such an answer came back, and that
    // answer (created, in doubt, exists) must still be counted and acted on.
    let settled: Outcome | undefined;
    let gaveUp = false;
    try {
      outcome = await pRetry(
        async () => {
          for (let throttles = 0; ; throttles++) {
            attempt++;
            const started = this.#o.now();
            // Communities before groups: each one sent makes 9 or so groups ready, which keeps
            // every slot busy to the end (groups first left the last communities' groups as a
            // tail of half-empty rounds). The feed's backpressure counts queued groups, so
            // communities never run more than a queue's length ahead of their groups.
            const raw = await this.#queue.add(() => this.#send(item, json, hash, attempt), {
              priority: item.kind === 'community' ? 1 : 0,
            });
            if (raw === undefined) throw new StoppedError('stopped before sending');
            const result = classify(item.kind, raw);
            const durationMs = this.#o.now() - started;
            // Rejected credentials: stop every other start now, not after this line is durable.
            if (result.type === 'fatal') this.stop('fatal');
            await this.#recordOutcome(item, result, hash);
            this.emit('outcome', { item, outcome: result, attempt, durationMs } satisfies OutcomeEvent);
            if (result.type === 'throttled') {
              this.#pacer.throttled(result.retryAfterMs);
              if (throttles < this.#o.maxThrottlesPerItem) continue;
              throw new RetryableAttempt({ type: 'retry', status: 429, message: result.message });
            }
            if (result.type === 'retry') throw new RetryableAttempt(result);
            this.#pacer.ok();
            settled = result;
            return result;
          }
        },
        {
          retries: this.#o.retries,
          factor: 2,
          minTimeout: this.#o.minBackoffMs,
          maxTimeout: this.#o.maxBackoffMs,
          randomize: true,
          signal: this.#stopStarting.signal,
          shouldRetry: ({ error }) => error instanceof RetryableAttempt,
        },
      );
    } catch (error) {
      if (settled) {
        outcome = settled;
      } else if (error instanceof RetryableAttempt) {
        gaveUp = true;
        outcome = { ...error.outcome, type: 'failed', message: `${error.outcome.message} (gave up after ${attempt} attempts)` } as Outcome;
      } else if (error instanceof StoppedError) {
        // Only a stop lands here: a ledger failure during a stop must still abort the run.
        this.#notStarted(item, plan);
        return;
      } else {
        throw error;
      }
    }

    this.emit('settled', { item, outcome, attempts: attempt, gaveUp } satisfies SettledEvent);
    switch (outcome.type) {
      case 'created':
        this.#tally.created++;
        if (item.kind === 'community') this.#release(item, outcome.ids.community_id!, plan);
        return;
      case 'exists':
        this.#tally.exists++;
        this.#unresolvedParent(item, plan, 'exists', 'the handle already exists on the server and its id is unknown: add community_id to its manifest entry to adopt it');
        return;
      case 'in_doubt':
        this.#tally.in_doubt++;
        this.#unresolved.push({
          item,
          status: 'in_doubt',
          reason: `${outcome.message}: it may have been created; check in Genuin, then run apply --retry-in-doubt if it does not exist`,
        });
        return;
      case 'fatal':
        throw new AuthError(`${outcome.message}: check GENUIN_ACCESS_TOKEN (run stopped, nothing more sent)`);
      default:
        this.#tally.failed++;
        this.#unresolvedParent(item, plan, 'failed', failureText(outcome));
    }
  }

  /** One attempt, inside a queue slot: pace, leave evidence, send. Undefined if stopped first. */
  async #send(item: PlanItem, json: string, hash: string, attempt: number): Promise<RawResult | undefined> {
    const stop = this.#stopStarting.signal;
    if (stop.aborted) return undefined;
    try {
      await this.#pacer.take(stop);
    } catch {
      return undefined;
    }
    if (stop.aborted) return undefined;
    // Durable before the request leaves: after a crash, this line is the evidence of a send.
    await this.#o.ledger.append({ at: new Date().toISOString(), run: this.#o.runId, kind: item.kind, key: item.key, event: 'attempt', attempt, hash });
    this.#requests++;
    this.#lastRequestAt = this.#o.now();
    this.#firstRequestAt ??= this.#lastRequestAt;
    const raw = await this.#o.client.send(item.kind, json, this.#hardAbort.signal);
    return raw;
  }

  /** Every attempt line gets an outcome line, so a replay knows exactly what was in flight. */
  async #recordOutcome(item: PlanItem, outcome: Outcome, hash: string): Promise<void> {
    switch (outcome.type) {
      case 'created':
        return this.#record(item, 'created', { ...outcome.ids, hash });
      case 'exists':
        return this.#record(item, 'exists', { status: outcome.status, code: outcome.code, message: outcome.message, hash });
      case 'in_doubt':
        return this.#record(item, 'in_doubt', { status: outcome.status, code: outcome.code, message: outcome.message, hash });
      case 'throttled':
        return this.#record(item, 'failed', { status: 429, message: outcome.message });
      case 'fatal':
        return this.#record(item, 'failed', { status: outcome.status, message: outcome.message });
      default:
        return this.#record(item, 'failed', { status: outcome.status, code: outcome.code, message: outcome.message });
    }
  }

  #record(item: PlanItem, event: LedgerEvent['event'], fields: Partial<LedgerEvent>): Promise<void> {
    const line: LedgerEvent = { at: new Date().toISOString(), run: this.#o.runId, kind: item.kind, key: item.key, event };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) (line as Record<string, unknown>)[k] = v;
    return this.#o.ledger.append(line);
  }

  #release(community: PlanItem, communityId: string, plan: Plan): void {
    const children = plan.waiting.get(community.key);
    if (!children) return;
    plan.waiting.delete(community.key);
    for (const child of children) {
      child.communityId = communityId;
      if (this.#stopStarting.signal.aborted) this.#notStarted(child, plan);
      else this.#start(child, plan);
    }
  }

  #unresolvedParent(item: PlanItem, plan: Plan, status: 'exists' | 'failed', reason: string): void {
    this.#unresolved.push({ item, status, reason });
    if (item.kind !== 'community') return;
    const children = plan.waiting.get(item.key);
    if (!children) return;
    plan.waiting.delete(item.key);
    // Point at the parent's problem once, rather than repeating it for every child.
    const why = status === 'exists'
      ? `parent community "${item.key}" exists but its id is unknown (see that community)`
      : `parent community "${item.key}" failed (see that community)`;
    for (const child of children) {
      child.action = 'blocked';
      child.reason = why;
      this.#tally.blocked++;
      this.#unresolved.push({ item: child, status: 'blocked', reason: why });
      this.emit('blocked', child);
    }
  }

  /** An item the run stopped before sending (its children with it): the next run does it. */
  #notStarted(item: PlanItem, plan: Plan): void {
    if (item.action !== 'create' && item.action !== 'adopt') {
      // Decided at plan time: count it as the plan said.
      if (item.action === 'skip') this.#tally.skipped++;
      else if (item.action === 'blocked') this.#tally.blocked++;
      else if (item.action === 'in_doubt') this.#tally.in_doubt++;
      return;
    }
    if (item.kind === 'group' && !item.communityId) return; // counted with its parent below
    this.#tally.not_started++;
    if (item.kind === 'community') {
      const children = plan.waiting.get(item.key);
      if (children) {
        plan.waiting.delete(item.key);
        this.#tally.not_started += children.length;
      }
    }
  }
}

/** The group body with its parent's id spliced in front: bodies are serialised once, at plan time. */
function withCommunityId(communityId: string, json: string): string {
  if (json === '{}') return `{"community_id":${JSON.stringify(communityId)}}`;
  return `{"community_id":${JSON.stringify(communityId)},${json.slice(1)}`;
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
