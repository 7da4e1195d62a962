// The executor: walks a plan through a concurrency-limited queue and an even pacer, retries
// with backoff, writes every outcome to the ledger before moving on, and releases a group the
// moment its own parent's community_id is known. It knows nothing of manifest formats.
// Each item's state is owned by a Walk (walk.ts); what follows an answer is decided by
// next-step.ts; this file connects them to the queue, the pacer, the sender and the ledger.
import { EventEmitter, setMaxListeners } from 'node:events';
import PQueue from 'p-queue';
import pRetry from 'p-retry';
import type { ChatIdAnswer } from '../api/chat-id-profile.js';
import { classify, type CreatedIds, type Outcome, type RawResult } from '../api/outcome.js';
import type { ItemKind } from '../api/schema.js';
import type { LedgerEvent } from '../ledger/event.js';
import { bodyHash } from '../plan/body-hash.js';
import { deriveChatId } from '../plan/chat-id.js';
import { parseGroupKey } from '../item-key.js';
import type { Plan, PlanItem } from '../plan/plan.js';
import { GenuinError, LedgerError } from '../errors.js';
import { carriedIds, OUTCOME_EVENT, REASON } from '../status.js';
import { gaveUp, nextStep, recordedBeforeResend, withChatId, type RetryOutcome, type SendState } from './next-step.js';
import { fatalError, SetupCheck } from './setup-check.js';
import { TokenGate } from './token-gate.js';
import { Pacer, type PauseEvent } from './pacer.js';
import { emptyTally, type IdConflict, type RunSummary, type StopReason, type Tally, type UnresolvedItem } from './summary.js';
import { Walk } from './walk.js';

export type { StopReason } from './summary.js';

export interface Sender {
  send(kind: ItemKind, json: string, signal?: AbortSignal): Promise<RawResult>;
}

/** What the executor observed about the server, for the ledger (a line without kind or key). */
export interface ObservedLine {
  at: string;
  run: string;
  event: 'observed';
  chat_id_honoured?: boolean;
  /** The rate found (requests per second): where the next `--rate auto` run starts. */
  rate?: number;
}

export interface LedgerSink {
  /** Resolves once the line is durable. */
  append(event: LedgerEvent | ObservedLine): Promise<void>;
}

export interface ExecutorOptions {
  client: Sender;
  ledger: LedgerSink;
  /** Run id written on every ledger line. */
  runId: string;
  /** Requests per second at most, or `auto`: find the server's limit (rate-control.ts). */
  rate: number | 'auto';
  /** With `auto`: the most it goes up to (`--max-rate`). Default DEFAULT_MAX_RATE. */
  maxRate?: number;
  /** With `auto`: the rate an earlier run found (the ledger's record), to start near it. */
  knownRate?: number;
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
  /**
   * Whether the server was last seen to echo the chat_id a group create sent (the ledger's
   * record); undefined when never seen. An echo proves nothing, but a server seen not echoing
   * cannot be refusing repeats: once false, no group whose answer was lost is resent.
   */
  chatIdsHonoured?: boolean;
  /**
   * The answer proven (a probe, or a person's setting) to mean "a group with this chat_id
   * exists"; undefined while that is unknown or disproven. Only with it is a group whose answer
   * was lost resent (with the same chat_id), and that answer settles a group as created.
   */
  chatIdExists?: ChatIdAnswer;
  /** Send a derived chat_id with groups whose manifest gives none. Default true. */
  deriveChatIds?: boolean;
  /** Resend groups after 5xx answers that do not prove nothing was created (`--retry-group-5xx`). */
  retryGroup5xx?: boolean;
  /**
   * The item (`kind key`) the ledger already holds an id for, if any. Asked per field: a server
   * may number communities and groups apart, so community_id 5 and group_id 5 are not one id.
   */
  idOwner?: (field: IdField, id: string) => string | undefined;
  /**
   * Gets a new token into the client (GENUIN_API_KEY/SECRET, GENUIN_ACCESS_TOKEN_COMMAND). A
   * request refused with 401 is then resent once with it; without this a 401 stops the run.
   */
  refreshToken?: () => Promise<void>;
  /** The base URL to suggest when the configured one answers like a web server, not the API. */
  apiBaseHint?: string;
  now?: () => number;
}

export interface OutcomeEvent {
  item: PlanItem;
  /** The answer's outcome as the ledger records it (a refusal after a lost answer is `in_doubt`). */
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
  /** True when retryable failures used up --retries (the outcome is then `failed` or `in_doubt`). */
  gaveUp: boolean;
}

/** An answer whose line could not be made durable (the ledger failed): a person must keep it. */
export interface UndurableEvent {
  line: LedgerEvent;
  error: Error;
}

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
/** How often the rate found is looked at (progress) ... */
const RATE_WATCH_MS = 1_000;
/** ... and recorded in the ledger at most. */
const RATE_RECORD_MS = 60_000;

/** #send's answer when a resend is withheld as it was about to leave. */
const WITHHELD = Symbol('withheld');

class StoppedError extends Error {
  override name = 'StoppedError';
}

class RetryableAttempt extends Error {
  constructor(readonly outcome: RetryOutcome) {
    super('retryable outcome');
  }
}

/** One item's request: serialised once, sent the same on every attempt. */
interface Request {
  json: string;
  hash: string;
  /** A group's chat_id (the manifest's, the one sent before, or derived). */
  chatId?: string;
}

export class Executor extends EventEmitter {
  readonly #o: Required<Omit<ExecutorOptions, 'maxDurationMs' | 'chatIdsHonoured' | 'chatIdExists' | 'idOwner' | 'refreshToken' | 'apiBaseHint' | 'maxRate' | 'knownRate'>> &
    Pick<ExecutorOptions, 'maxDurationMs' | 'chatIdsHonoured' | 'chatIdExists' | 'idOwner' | 'refreshToken' | 'apiBaseHint' | 'maxRate' | 'knownRate'>;
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
  /** 429 answers received. */
  #throttled = 0;
  /** Requests a hard stop cut: after they were sent (in doubt), and before (left for the next run). */
  readonly #cut = { sent: 0, unsent: 0 };
  readonly #unresolved: UnresolvedItem[] = [];
  readonly #conflicts: IdConflict[] = [];
  /** Ids created in this run (`field\tid`), by the item that got them. */
  readonly #idsThisRun = new Map<string, string>();
  #walk?: Walk;
  #chatIdsHonoured: boolean | undefined;
  #stopReason?: StopReason;
  #fatal?: Error;
  #requests = 0;
  #startedAt?: number;
  readonly #tokens: TokenGate;
  readonly #setup: SetupCheck;
  #firstRequestAt?: number;
  #lastRequestAt?: number;

  constructor(options: ExecutorOptions) {
    super();
    this.#o = {
      minBackoffMs: 500,
      maxBackoffMs: 30_000,
      maxThrottlesPerItem: 50,
      deriveChatIds: true,
      retryGroup5xx: false,
      now: () => performance.now(),
      ...options,
    };
    this.#chatIdsHonoured = options.chatIdsHonoured;
    this.#tokens = new TokenGate(options.refreshToken);
    this.#setup = new SetupCheck(options.apiBaseHint);
    this.#queue = new PQueue({ concurrency: options.concurrency });
    const auto = options.rate === 'auto';
    this.#pacer = new Pacer({
      rate: auto ? (options.maxRate ?? DEFAULT_MAX_RATE) : (options.rate as number),
      auto,
      knownLimit: auto ? options.knownRate : undefined,
      initialWindow: INITIAL_WINDOW,
      onPause: (pause) => this.emit('paused', pause),
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
    return this.#pacer.auto || this.#pacer.limitSeen ? this.#pacer.found : undefined;
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
    const rateWatch = setInterval(() => this.#watchRate(), RATE_WATCH_MS);
    rateWatch.unref();
    try {
      await this.#feed(plan, walk);
      // Releases add tasks while we wait: drain until nothing is left.
      while (this.#tasks.size > 0) await Promise.all([...this.#tasks]);
    } finally {
      if (deadline) clearTimeout(deadline);
      clearInterval(rateWatch);
    }
    if (!this.#fatal || !(this.#fatal instanceof LedgerError)) await this.#recordRate().catch(() => undefined);
    if (this.#fatal) throw this.#fatal;
    return this.summary();
  }

  /**
   * The run's figures so far; after run() has settled, its final summary. A run that ended with
   * an error (credentials, the ledger, its lock) has one too: what it did before it stopped.
   */
  summary(): RunSummary {
    const elapsedMs = this.#startedAt === undefined ? 0 : this.#o.now() - this.#startedAt;
    // Pace between the first and the last send: n sends span n - 1 gaps.
    const activeMs = this.#firstRequestAt !== undefined && this.#lastRequestAt !== undefined ? this.#lastRequestAt - this.#firstRequestAt : 0;
    return {
      runId: this.#o.runId,
      tally: { ...this.#tally, not_started: this.#tally.not_started + (this.#walk?.notStarted() ?? 0) },
      byKind: {
        community: { ...this.#byKind.community, not_started: this.#byKind.community.not_started + (this.#walk?.notStarted('community') ?? 0) },
        group: { ...this.#byKind.group, not_started: this.#byKind.group.not_started + (this.#walk?.notStarted('group') ?? 0) },
      },
      requests: this.#requests,
      throttled: this.#throttled,
      elapsedMs,
      requestRate: activeMs > 0 ? ((this.#requests - 1) / activeMs) * 1000 : 0,
      rateFound: this.#requests > 0 ? this.rateFound : undefined,
      unresolved: [...this.#unresolved],
      conflicts: [...this.#conflicts],
      stopped: this.#stopReason,
      ...(this.#hardAbort.signal.aborted ? { cut: { ...this.#cut } } : {}),
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
            await this.#append(this.#line(item, 'adopted', { community_id: item.communityId }));
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
    const walk = this.#walk!;
    if (item.kind === 'group' && communityId === undefined) throw new Error(`internal: group ${item.key} started without its community_id`);
    const request = this.#request(item, communityId);
    const s: SendState = { answerLost: item.answerLost === true, resendableWithChatId: false, chatId: request.chatId };
    // A resend of a group whose earlier answer was lost is safe only with the id sent then.
    if (s.answerLost && (request.chatId === undefined || request.chatId !== item.sentChatId)) {
      return this.#settle(item, { type: 'in_doubt', message: `an earlier send got no answer and this one would carry another chat_id (${item.sentChatId ?? 'none'}): not resent` }, 0, false);
    }
    let attempt = 0;
    // For the unreachable rule (setup-check.ts): did anything answer while this item tried?
    const answersAtStart = this.#setup.answers;
    // The step that ended the item, once its ledger line is durable. pRetry rejects with the
    // stop reason when the run is stopping even after such an answer came back, and that
    // answer must still be counted and acted on.
    let settled: Outcome | undefined;
    /** A resend withheld as it was about to leave: its in_doubt line is written. */
    let withheld: Outcome | undefined;
    let outcome: Outcome;
    let gaveUpRetries = false;
    try {
      outcome = await pRetry(
        async () => {
          for (let throttles = 0; ; ) {
            attempt++;
            const started = this.#o.now();
            // Communities before groups: each one sent makes 9 or so groups ready, which keeps
            // every slot busy to the end. The feed's backpressure counts queued groups, so
            // communities never run more than a queue's length ahead of their groups.
            // A resend after a lost answer is checked again as it leaves: trust may have gone meanwhile.
            const mayLeave = s.answerLost ? () => this.#whyNotResend(item, request) === undefined : undefined;
            const sent = await this.#queue.add(() => this.#send(item, request, attempt, mayLeave), { priority: item.kind === 'community' ? 1 : 0 });
            if (sent === undefined) throw new StoppedError('stopped before sending');
            if (sent === WITHHELD) {
              withheld = { type: 'in_doubt', message: `an earlier answer was lost and it was not resent: ${this.#whyNotResend(item, request)} (chat_id ${request.chatId})` };
              await this.#recordOutcome(item, withheld, request);
              return withheld;
            }
            // Cut by a hard stop (a second signal): an answer that was never going to come.
            if (this.#hardAbort.signal.aborted && sent.raw.type === 'network') {
              this.#cut[sent.raw.sent ? 'sent' : 'unsent']++;
              // Never reached the server: nothing happened to it; the next run sends it (its
              // attempt line stays last, as after a crash).
              if (!sent.raw.sent && !s.answerLost) throw new StoppedError('cut before it was sent');
              // Sent, answer unknown: in doubt, whatever the kind (a community's next run resends
              // it, safe by its handle; a group waits for a person or a proven resend).
              settled = withChatId({ type: 'in_doubt', code: sent.raw.code, message: `cut by a second signal after it was sent: its answer is unknown` }, request.chatId);
              await this.#recordOutcome(item, settled, request);
              this.emit('outcome', { item, outcome: settled, attempt, durationMs: this.#o.now() - started } satisfies OutcomeEvent);
              return settled;
            }
            const chatIdExists = item.kind === 'group' && request.chatId !== undefined ? this.#o.chatIdExists : undefined;
            const result = this.#setup.judge(classify(item.kind, sent.raw, { retryGroup5xx: this.#o.retryGroup5xx, chatIdExists }));
            // A 429 pauses every request the moment it arrives, not after its ledger line is
            // durable: each fsync's worth of sends at the old rate would earn another 429.
            if (result.type === 'throttled') {
              this.#throttled++;
              this.#pacer.throttled(result.retryAfterMs);
            }
            const durationMs = this.#o.now() - started;
            // Nothing more can succeed: stop every other start now, before anything is awaited
            // (the queue hands this slot to the next request as soon as the answer is in).
            const refreshable = result.type === 'fatal' && result.status === 401 && this.#tokens.canRefresh;
            this.#tokens.answered(result);
            if (result.type === 'fatal' && !refreshable) this.stop('fatal');
            // A 401 refused the request, so nothing was created: with a fresh token, send it again.
            if (refreshable && (await this.#tokens.refreshed(sent.tokenGeneration))) {
              // Not the item's end, and nothing wrong with it: a resend, said as one everywhere.
              const renewed: Outcome = { type: 'retry', status: 401, message: 'HTTP 401: token expired; sent again with a new one' };
              await this.#recordOutcome(item, renewed, request);
              this.emit('outcome', { item, outcome: renewed, attempt, durationMs } satisfies OutcomeEvent);
              continue;
            }
            if (result.type === 'fatal') this.stop('fatal');
            if (result.type === 'created' && item.kind === 'group' && request.chatId !== undefined) {
              // A ledger that cannot take this line stops the run (#append), but the answer's ids
              // must still reach the outcome's append below, which hands them out (undurable).
              await this.#observe(result.ids.chat_id === request.chatId).catch(() => undefined);
            }
            // Trust as it stands when the answer is judged (and again when a resend leaves).
            s.resendableWithChatId = this.#whyNotResend(item, request) === undefined;
            const step = nextStep(result, s);
            // The ledger gets what the item now is: a refusal after a lost answer is in doubt, and
            // so is an answer to be followed by a resend (the run may stop before it). Observers
            // (the log) are told the same outcome, so one answer has one word everywhere.
            const recorded = step.do === 'settle' ? step.outcome : recordedBeforeResend(result, s);
            await this.#recordOutcome(item, recorded, request);
            this.emit('outcome', { item, outcome: recorded, attempt, durationMs } satisfies OutcomeEvent);
            switch (step.do) {
              case 'throttle':
                // A 429 is not a failed attempt: resend once the pacer's pause is over.
                if (++throttles <= this.#o.maxThrottlesPerItem) continue;
                throw new RetryableAttempt({ type: 'retry', status: 429, message: step.outcome.message });
              case 'retry':
                if (step.lost) s.answerLost = true;
                throw new RetryableAttempt(step.outcome);
              case 'settle':
                this.#pacer.ok();
                settled = step.outcome;
                return step.outcome;
            }
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
      if (settled ?? withheld) {
        outcome = (settled ?? withheld)!;
      } else if (error instanceof RetryableAttempt) {
        gaveUpRetries = true;
        outcome = gaveUp(error.outcome, attempt, s);
        if (outcome.type === 'in_doubt') await this.#recordOutcome(item, outcome, request);
        // Every attempt unanswered, and nothing else answered meanwhile: no item can get through.
        const unreachable = outcome.type === 'failed' ? this.#setup.unreachable(error.outcome, answersAtStart) : undefined;
        if (unreachable) {
          this.stop('fatal');
          outcome = unreachable;
        }
      } else if (error instanceof StoppedError) {
        // Stopped before the next send. After a lost answer the ledger already says in doubt.
        if (s.answerLost) return this.#settle(item, { type: 'in_doubt', message: `an answer was lost and the run stopped before a resend (chat_id ${request.chatId})` }, attempt, false);
        walk.settle(item);
        this.#count(item, 'not_started'); // its waiting children are counted with every other unstarted item
        return;
      } else {
        throw error;
      }
    }
    return this.#settle(item, outcome, attempt, gaveUpRetries);
  }

  async #settle(item: PlanItem, outcome: Outcome, attempts: number, gaveUpRetries: boolean): Promise<void> {
    this.#walk!.settle(item);
    this.emit('settled', { item, outcome, attempts, gaveUp: gaveUpRetries } satisfies SettledEvent);
    switch (outcome.type) {
      case 'created': {
        const conflict = this.#checkIds(item, outcome.ids);
        if (conflict) return this.#conflict(item, outcome.ids, conflict);
        this.#count(item, 'created');
        if (item.kind === 'community') this.#release(item, outcome.ids.community_id!);
        return;
      }
      case 'exists':
        this.#count(item, 'exists');
        this.#unresolvedParent(item, 'exists', REASON.existsCommunity(item.key));
        return;
      case 'in_doubt':
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
        this.#unresolvedParent(item, 'failed', failureText(outcome));
    }
  }

  /** The body to send, with the parent's id and the group's chat_id spliced in front. */
  #request(item: PlanItem, communityId: string | undefined): Request {
    const body = item.body!;
    const hash = bodyHash(body);
    if (item.kind === 'community') return { json: body, hash };
    const own = manifestChatId(body);
    const chatId = own ?? item.sentChatId ?? (this.#o.deriveChatIds ? deriveChatId(communityId!, groupPart(item.key)) : undefined);
    let head = `{"community_id":${JSON.stringify(communityId)}`;
    if (chatId !== undefined && own === undefined) head += `,"chat_id":${JSON.stringify(chatId)}`;
    return { json: body === '{}' ? `${head}}` : `${head},${body.slice(1)}`, hash, chatId };
  }

  /**
   * One attempt, inside a queue slot: pace, leave evidence, send. Undefined if stopped first;
   * WITHHELD when `mayLeave` says no at the last moment (after the pace, before the evidence).
   */
  async #send(item: PlanItem, request: Request, attempt: number, mayLeave?: () => boolean): Promise<{ raw: RawResult; tokenGeneration: number } | typeof WITHHELD | undefined> {
    const stop = this.#stopStarting.signal;
    if (stop.aborted) return undefined;
    try {
      await this.#pacer.take(stop);
    } catch {
      return undefined;
    }
    // The pacer counts sends it let through until they are answered (or never sent).
    try {
      if (stop.aborted) return undefined;
      if (mayLeave && !mayLeave()) return WITHHELD;
      // Durable before the request leaves: after a crash, this line is the evidence of a send,
      // and its chat_id the id a person (or the next run) can look for.
      await this.#append(this.#line(item, 'attempt', { attempt, hash: request.hash, chat_id: request.chatId, name: item.name }));
      this.#requests++;
      this.#lastRequestAt = this.#o.now();
      this.#firstRequestAt ??= this.#lastRequestAt;
      const tokenGeneration = this.#tokens.generation;
      return { raw: await this.#o.client.send(item.kind, request.json, this.#hardAbort.signal), tokenGeneration };
    } finally {
      this.#pacer.answered();
    }
  }

  #shownRate?: number;
  #recordedRate?: number;
  #lastRecordAt = 0;

  /** Tells a changed rate found ('rate'); records it in the ledger at most once a minute. */
  #watchRate(): void {
    const found = this.rateFound;
    if (found === undefined) return;
    if (this.#shownRate === undefined || Math.abs(found - this.#shownRate) >= this.#shownRate * 0.01) {
      this.#shownRate = found;
      this.emit('rate', found);
    }
    if (this.#o.now() - this.#lastRecordAt >= RATE_RECORD_MS) void this.#recordRate().catch(() => undefined);
  }

  /**
   * Records the rate found as an `observed` line, when a 429 has shown the limit (a run that
   * never met one knows only a lower bound: the next run searches again) and it changed.
   */
  async #recordRate(): Promise<void> {
    if (!this.#pacer.limitSeen || this.#requests === 0 || this.#stopReason === 'ledger') return;
    const rate = Number(this.#pacer.found.toFixed(2));
    if (rate === this.#recordedRate) return;
    this.#recordedRate = rate;
    this.#lastRecordAt = this.#o.now();
    await this.#o.ledger.append({ at: new Date().toISOString(), run: this.#o.runId, event: 'observed', rate });
  }

  /**
   * Why a group whose answer was lost may not be resent now, or undefined when it may: the API
   * must be proven to refuse a repeated chat_id, and no answer may have shown it ignoring ours.
   */
  #whyNotResend(item: PlanItem, request: Request): string | undefined {
    if (item.kind !== 'group' || request.chatId === undefined) return 'it is sent without a chat_id';
    if (this.#o.chatIdExists === undefined) return 'the API is not proven to refuse a repeated chat_id (genuin-provision probe)';
    if (this.#chatIdsHonoured === false) return 'a create answer carried another chat_id than the one sent: this server does not keep client chat_ids';
    return undefined;
  }

  /** Writes down whether the server echoes client chat_ids, when that is news. */
  async #observe(honoured: boolean): Promise<void> {
    if (this.#chatIdsHonoured === honoured) return;
    this.#chatIdsHonoured = honoured;
    await this.#append({ at: new Date().toISOString(), run: this.#o.runId, event: 'observed', chat_id_honoured: honoured });
  }

  /** Every attempt line gets an outcome line (status.ts says which), so a replay knows exactly what was in flight. */
  #recordOutcome(item: PlanItem, outcome: Outcome, request: Request): Promise<void> {
    const event = OUTCOME_EVENT[outcome.type];
    // Settled by the proven "exists" answer: `by` says so (no group_id or share_url is known).
    if (outcome.type === 'created') return this.#append(this.#line(item, event, { ...outcome.ids, hash: request.hash, name: item.name, by: outcome.via }));
    const status = outcome.type === 'throttled' ? 429 : outcome.status;
    const code = 'code' in outcome ? outcome.code : undefined;
    // An in-doubt line names the chat_id sent: what a person looks for.
    const chatId = outcome.type === 'in_doubt' ? request.chatId : undefined;
    const hash = outcome.type === 'exists' || outcome.type === 'in_doubt' ? request.hash : undefined;
    return this.#append(this.#line(item, event, { status, code, message: outcome.message, hash, chat_id: chatId }));
  }

  #line(item: PlanItem, event: LedgerEvent['event'], fields: Partial<LedgerEvent>): LedgerEvent {
    const line: LedgerEvent = { at: new Date().toISOString(), run: this.#o.runId, kind: item.kind, key: item.key, event };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) (line as Record<string, unknown>)[k] = v;
    return line;
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

  /**
   * The first id of an answer that the ledger (or this run) already holds for another item, if
   * any; every such id is reported. The ids of an answer that has one are not the item's own, so
   * none of them is taken as held by it.
   */
  #checkIds(item: PlanItem, ids: CreatedIds): IdConflict | undefined {
    const me = `${item.kind} ${item.key}`;
    let first: IdConflict | undefined;
    for (const field of ID_FIELDS) {
      const id = ids[field];
      if (!id) continue;
      const owner = this.#o.idOwner?.(field, id) ?? this.#idsThisRun.get(`${field}\t${id}`);
      if (owner === undefined || owner === me) continue;
      const conflict: IdConflict = { item, id, heldBy: owner };
      first ??= conflict;
      this.#conflicts.push(conflict);
      this.emit('conflict', conflict);
    }
    if (!first) for (const field of ID_FIELDS) if (ids[field]) this.#idsThisRun.set(`${field}\t${ids[field]}`, me);
    return first;
  }

  /**
   * An answer that carried another item's id: recorded as a `conflict` line with every id it
   * carried (never dropped) and the item that holds them; nothing is created under it (a
   * community's groups are blocked, naming both), and it waits for a person (`ledger resolve`).
   */
  async #conflict(item: PlanItem, ids: CreatedIds, conflict: IdConflict): Promise<void> {
    const carried = carriedIds(ids);
    const reason = REASON.conflict(item.kind, item.key, carried, conflict.heldBy);
    this.#count(item, 'conflict');
    this.#unresolved.push({ item, status: 'conflict', reason });
    const why = item.kind === 'community' ? REASON.blockedByConflict(item.key, conflict.heldBy) : undefined;
    for (const child of item.kind === 'community' ? this.#walk!.release(item) : []) {
      this.#walk!.settle(child);
      this.#count(child, 'blocked');
      this.#unresolved.push({ item: child, status: 'blocked', reason: why! });
      this.emit('blocked', child, why!);
    }
    await this.#append(this.#line(item, 'conflict', { ...ids, held_by: conflict.heldBy, message: `its answer carried ${carried}, which the ledger holds for ${conflict.heldBy}` }));
  }

  /** One more item of `item`'s kind ends as `key`: the run's tally and its kind's. */
  #count(item: PlanItem, key: keyof Tally): void {
    this.#tally[key]++;
    this.#byKind[item.kind][key]++;
  }

  #release(community: PlanItem, communityId: string): void {
    for (const child of this.#walk!.release(community)) {
      if (this.#stopping) continue; // left ready: counted as not started
      this.#start(child, communityId);
    }
  }

  #unresolvedParent(item: PlanItem, status: 'exists' | 'failed', reason: string): void {
    this.#unresolved.push({ item, status, reason });
    if (item.kind !== 'community') return;
    // Point at the parent's problem once, rather than repeating it for every child.
    const why = REASON.blockedByParent(item.key, status);
    for (const child of this.#walk!.release(item)) {
      this.#walk!.settle(child);
      this.#count(child, 'blocked');
      this.#unresolved.push({ item: child, status: 'blocked', reason: why });
      this.emit('blocked', child, why);
    }
  }
}

/** The ids an answer may carry, each compared only with ids of the same field. */
export type IdField = 'community_id' | 'chat_id' | 'group_id';
const ID_FIELDS: readonly IdField[] = ['community_id', 'chat_id', 'group_id'];

/** The chat_id a group's manifest gives, read from its serialised body. */
function manifestChatId(body: string): string | undefined {
  if (!body.includes('"chat_id"')) return undefined;
  const id = (JSON.parse(body) as { chat_id?: unknown }).chat_id;
  return typeof id === 'string' ? id : undefined;
}

/** A group's own key, whichever name of its parent its ledger key uses. */
function groupPart(key: string): string {
  return parseGroupKey(key)!.key;
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
