// One item's attempts in a run: its request (built once, sent the same every time), each send
// (paced, its attempt line durable before it leaves), each answer judged and recorded, and the
// retry loop around them, until the item's end. The executor decides what an end does to the run.
import type PQueue from 'p-queue';
import pRetry from 'p-retry';
import { classify, type Outcome, type RawResult } from '../api/outcome.js';
import type { LedgerEvent } from '../ledger/event.js';
import { bodyHash } from '../plan/body-hash.js';
import { deriveChatId } from '../plan/chat-id.js';
import { parseGroupKey } from '../item-key.js';
import type { PlanItem } from '../plan/plan.js';
import { OUTCOME_EVENT } from '../status.js';
import type { ExecutorOptions, OutcomeEvent } from './executor-api.js';
import { gaveUp, nextStep, recordedBeforeResend, withChatId, type RetryOutcome, type SendState, type Step } from './next-step.js';
import type { Observations } from './observations.js';
import type { Pacer } from './pacer.js';
import type { SetupCheck } from './setup-check.js';
import type { StopReason } from './summary.js';
import type { TokenGate } from './token-gate.js';

/** The options an attempt reads, defaults filled in. */
export type AttemptSettings = Required<Pick<ExecutorOptions, 'client' | 'runId' | 'retries' | 'minBackoffMs' | 'maxBackoffMs' | 'maxThrottlesPerItem' | 'deriveChatIds' | 'retryGroup5xx' | 'now'>> &
  Pick<ExecutorOptions, 'chatIdExists'>;

/** What an item's attempts share with the rest of the run (the executor gives it). */
export interface AttemptContext {
  readonly o: AttemptSettings;
  readonly queue: PQueue;
  readonly pacer: Pacer;
  /** Aborted on a graceful stop: no new send leaves. */
  readonly stopSignal: AbortSignal;
  /** Aborted on a hard stop: sends in flight are cut. */
  readonly hardSignal: AbortSignal;
  readonly tokens: TokenGate;
  readonly setup: SetupCheck;
  readonly observations: Observations;
  readonly sends: Sends;
  /** Appends a line, durable when it resolves; a ledger failure stops the run and rejects. */
  append(line: LedgerEvent): Promise<void>;
  stop(reason: StopReason): void;
  /** Tells observers an answer's outcome as recorded (the executor's 'outcome' event). */
  outcome(e: OutcomeEvent): void;
}

/** An item's end in this run: its outcome (its ledger line durable), or stopped before it got one. */
export type ItemEnd = { outcome: Outcome; attempts: number; gaveUp: boolean } | { stopped: true };

/** The run's sends, for its summary. */
export class Sends {
  requests = 0;
  /** 429 answers received. */
  throttled = 0;
  /** Requests a hard stop cut: after they were sent (in doubt), and before (left for the next run). */
  readonly cut = { sent: 0, unsent: 0 };
  firstAt?: number;
  lastAt?: number;

  sent(at: number): void {
    this.requests++;
    this.lastAt = at;
    this.firstAt ??= at;
  }
}

/** A ledger line for `item`, fields left undefined left out. */
export function ledgerLine(runId: string, item: PlanItem, event: LedgerEvent['event'], fields: Partial<LedgerEvent>): LedgerEvent {
  const line: LedgerEvent = { at: new Date().toISOString(), run: runId, kind: item.kind, key: item.key, event };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) (line as Record<string, unknown>)[k] = v;
  return line;
}

export class StoppedError extends Error {
  override name = 'StoppedError';
}

class RetryableAttempt extends Error {
  constructor(readonly outcome: RetryOutcome) {
    super('retryable outcome');
  }
}

/** #send's answer when a resend is withheld as it was about to leave. */
const WITHHELD = Symbol('withheld');
/** #answer's answer when a renewed token sends the same request again at once. */
const AGAIN = Symbol('again');

/** One item's request: serialised once, sent the same on every attempt. */
interface Request {
  json: string;
  hash: string;
  /** A group's chat_id (the manifest's, the one sent before, or derived). */
  chatId?: string;
}

interface Sent {
  raw: RawResult;
  tokenGeneration: number;
}

/** One item's attempts so far. */
interface Try {
  readonly item: PlanItem;
  readonly request: Request;
  readonly s: SendState;
  attempt: number;
  /** For the unreachable rule (setup-check.ts): did anything answer while this item tried? */
  readonly answersAtStart: number;
  /**
   * The outcome that ended the item, once its ledger line is durable. pRetry rejects with the
   * stop reason when the run is stopping even after such an answer came back, and that answer
   * must still be counted and acted on.
   */
  settled?: Outcome;
}

export class Attempts {
  constructor(private readonly c: AttemptContext) {}

  /** Sends `item` (a group under `communityId`) until it ends: settled, given up, or stopped. */
  async run(item: PlanItem, communityId: string | undefined): Promise<ItemEnd> {
    if (item.kind === 'group' && communityId === undefined) throw new Error(`internal: group ${item.key} started without its community_id`);
    const request = this.#request(item, communityId);
    const s: SendState = { answerLost: item.answerLost === true, resendableWithChatId: false, chatId: request.chatId };
    // A resend of a group whose earlier answer was lost is safe only with the id sent then.
    if (s.answerLost && (request.chatId === undefined || request.chatId !== item.sentChatId)) {
      const message = `an earlier send got no answer and this one would carry another chat_id (${item.sentChatId ?? 'none'}): not resent`;
      return { outcome: { type: 'in_doubt', message }, attempts: 0, gaveUp: false };
    }
    const t: Try = { item, request, s, attempt: 0, answersAtStart: this.c.setup.answers };
    try {
      const outcome = await pRetry(() => this.#untilRetry(t), {
        retries: this.c.o.retries,
        factor: 2,
        minTimeout: this.c.o.minBackoffMs,
        maxTimeout: this.c.o.maxBackoffMs,
        randomize: true,
        signal: this.c.stopSignal,
        shouldRetry: ({ error }) => error instanceof RetryableAttempt,
      });
      return { outcome, attempts: t.attempt, gaveUp: false };
    } catch (error) {
      return this.#ended(t, error);
    }
  }

  /** Where pRetry's rejection leaves the item: settled before the stop, retries used up, or stopped. */
  async #ended(t: Try, error: unknown): Promise<ItemEnd> {
    if (t.settled) return { outcome: t.settled, attempts: t.attempt, gaveUp: false };
    if (error instanceof RetryableAttempt) return this.#gaveUp(t, error.outcome);
    if (!(error instanceof StoppedError)) throw error;
    // Stopped before the next send. After a lost answer the ledger already says in doubt.
    if (!t.s.answerLost) return { stopped: true };
    const message =
      t.item.kind === 'community'
        ? 'an answer was lost and the run stopped before a resend: it may exist; the next run sends it again (its handle is unique)'
        : `an answer was lost and the run stopped before a resend (chat_id ${t.request.chatId})`;
    return { outcome: { type: 'in_doubt', message }, attempts: t.attempt, gaveUp: false };
  }

  async #gaveUp(t: Try, last: RetryOutcome): Promise<ItemEnd> {
    const outcome = gaveUp(last, t.attempt, t.s);
    if (outcome.type === 'in_doubt') await this.#record(t, outcome);
    // Every attempt unanswered, and nothing else answered meanwhile: no item can get through.
    const unreachable = outcome.type === 'failed' ? this.c.setup.unreachable(last, t.answersAtStart) : undefined;
    if (unreachable) this.c.stop('fatal');
    return { outcome: unreachable ?? outcome, attempts: t.attempt, gaveUp: true };
  }

  /** Sends until an answer ends the item (resolves) or calls for a retry after a backoff (throws RetryableAttempt). */
  async #untilRetry(t: Try): Promise<Outcome> {
    for (let throttles = 0; ; ) {
      t.attempt++;
      const started = this.c.o.now();
      const sent = await this.#queued(t);
      if (sent === WITHHELD) return this.#withheld(t);
      // Cut by a hard stop (a second signal): an answer that was never going to come.
      if (this.c.hardSignal.aborted && sent.raw.type === 'network') return this.#cut(t, sent.raw, started);
      const step = await this.#answer(t, sent, started);
      if (step === AGAIN) continue;
      switch (step.do) {
        case 'throttle':
          // A 429 is not a failed attempt: resend once the pacer's pause is over.
          if (++throttles <= this.c.o.maxThrottlesPerItem) continue;
          throw new RetryableAttempt({ type: 'retry', status: 429, message: step.outcome.message });
        case 'retry':
          if (step.lost) t.s.answerLost = true;
          throw new RetryableAttempt(step.outcome);
        case 'settle':
          this.c.pacer.ok();
          t.settled = step.outcome;
          return step.outcome;
      }
    }
  }

  /** One send through the queue; throws StoppedError when the run stopped before it left. */
  async #queued(t: Try): Promise<Sent | typeof WITHHELD> {
    const { item, request } = t;
    // A resend after a lost answer is checked again as it leaves: trust may have gone meanwhile.
    // (A community's resend needs no trust: its unique handle turns a duplicate into "exists".)
    const mayLeave = t.s.answerLost && item.kind === 'group' ? () => this.c.observations.whyNotResend(item, request.chatId) === undefined : undefined;
    // Communities before groups: each one sent makes 9 or so groups ready, which keeps every
    // slot busy to the end. The feed's backpressure counts queued groups, so communities never
    // run more than a queue's length ahead of their groups.
    const sent = await this.c.queue.add(() => this.#send(t, mayLeave), { priority: item.kind === 'community' ? 1 : 0 });
    if (sent === undefined) throw new StoppedError('stopped before sending');
    return sent;
  }

  /** A resend withheld as it was about to leave: the item ends in doubt, its line written. */
  async #withheld(t: Try): Promise<Outcome> {
    const why = this.c.observations.whyNotResend(t.item, t.request.chatId);
    const withheld: Outcome = { type: 'in_doubt', message: `an earlier answer was lost and it was not resent: ${why} (chat_id ${t.request.chatId})` };
    // Ended even if its line cannot be written: the item is counted in doubt, the run stops.
    t.settled = withheld;
    await this.#record(t, withheld);
    return withheld;
  }

  /** A send a hard stop cut: in doubt once it left; throws StoppedError when it never did. */
  async #cut(t: Try, raw: Extract<RawResult, { type: 'network' }>, started: number): Promise<Outcome> {
    this.c.sends.cut[raw.sent ? 'sent' : 'unsent']++;
    // Never reached the server: nothing happened to it; the next run sends it (its attempt line
    // stays last, as after a crash).
    if (!raw.sent && !t.s.answerLost) throw new StoppedError('cut before it was sent');
    // Sent, answer unknown: in doubt, whatever the kind (a community's next run resends it, safe
    // by its handle; a group waits for a person or a proven resend).
    const cut = withChatId({ type: 'in_doubt', code: raw.code, message: `cut by a second signal after it was sent: its answer is unknown` }, t.request.chatId);
    t.settled = cut;
    await this.#record(t, cut);
    this.c.outcome({ item: t.item, outcome: cut, attempt: t.attempt, durationMs: this.c.o.now() - started });
    return cut;
  }

  /** An answer judged, recorded and told; AGAIN when a renewed token sends it again at once. */
  async #answer(t: Try, sent: Sent, started: number): Promise<Step | typeof AGAIN> {
    const { item, request } = t;
    const chatIdExists = item.kind === 'group' && request.chatId !== undefined ? this.c.o.chatIdExists : undefined;
    const result = this.c.setup.judge(classify(item.kind, sent.raw, { retryGroup5xx: this.c.o.retryGroup5xx, chatIdExists }));
    // A 429 pauses every request the moment it arrives, not after its ledger line is durable:
    // each fsync's worth of sends at the old rate would earn another 429.
    if (result.type === 'throttled') {
      this.c.sends.throttled++;
      this.c.pacer.throttled(result.retryAfterMs);
    }
    const durationMs = this.c.o.now() - started;
    if (await this.#renewed(t, result, sent.tokenGeneration, durationMs)) return AGAIN;
    if (result.type === 'fatal') this.c.stop('fatal');
    if (result.type === 'created' && item.kind === 'group' && request.chatId !== undefined) {
      // A ledger that cannot take this line stops the run (the executor's append), but the
      // answer's ids must still reach the outcome's append below, which hands them out (undurable).
      await this.c.observations.chatIdEcho(result.ids.chat_id === request.chatId).catch(() => undefined);
    }
    // Trust as it stands when the answer is judged (and again when a resend leaves).
    t.s.resendableWithChatId = this.c.observations.whyNotResend(item, request.chatId) === undefined;
    const step = nextStep(result, t.s);
    // The ledger gets what the item now is: a refusal after a lost answer is in doubt, and so is
    // an answer to be followed by a resend (the run may stop before it). Observers (the log) are
    // told the same outcome, so one answer has one word everywhere.
    const recorded = step.do === 'settle' ? step.outcome : recordedBeforeResend(result, t.s);
    await this.#record(t, recorded);
    this.c.outcome({ item, outcome: recorded, attempt: t.attempt, durationMs });
    return step;
  }

  /**
   * A 401 with a token source that can renew: true once a new token is in place and the resend
   * is recorded. Without one (or when the renewed token is refused too) nothing more can
   * succeed: every other start stops now, before anything is awaited.
   */
  async #renewed(t: Try, result: Outcome, tokenGeneration: number, durationMs: number): Promise<boolean> {
    const refreshable = result.type === 'fatal' && result.status === 401 && this.c.tokens.canRefresh;
    this.c.tokens.answered(result);
    if (result.type === 'fatal' && !refreshable) this.c.stop('fatal');
    // A 401 refused the request, so nothing was created: with a fresh token, send it again.
    if (!refreshable || !(await this.c.tokens.refreshed(tokenGeneration))) return false;
    // Not the item's end, and nothing wrong with it: a resend, said as one everywhere.
    const renewed: Outcome = { type: 'retry', status: 401, message: 'HTTP 401: token expired; sent again with a new one' };
    await this.#record(t, renewed);
    this.c.outcome({ item: t.item, outcome: renewed, attempt: t.attempt, durationMs });
    return true;
  }

  /**
   * One send, inside a queue slot: pace, leave evidence, send. Undefined if stopped first;
   * WITHHELD when `mayLeave` says no at the last moment (after the pace, before the evidence).
   */
  async #send(t: Try, mayLeave?: () => boolean): Promise<Sent | typeof WITHHELD | undefined> {
    const stop = this.c.stopSignal;
    if (stop.aborted) return undefined;
    let overloads: number;
    try {
      await this.c.pacer.take(stop);
      overloads = this.c.pacer.overloads;
    } catch {
      return undefined;
    }
    // The pacer counts sends it let through until they are answered (or never sent).
    try {
      if (stop.aborted) return undefined;
      if (mayLeave && !mayLeave()) return WITHHELD;
      const { item, request } = t;
      // Durable before the request leaves: after a crash, this line is the evidence of a send,
      // and its chat_id the id a person (or the next run) can look for.
      await this.c.append(ledgerLine(this.c.o.runId, item, 'attempt', { attempt: t.attempt, hash: request.hash, chat_id: request.chatId, name: item.name }));
      // A 429 read while the line became durable paused every send: this one waits it out too.
      // A stop meanwhile sends it at once (its attempt line promises a send; a 429 answering it
      // proves nothing was created), as does a hard stop (the send is cut, as any in flight).
      await this.c.pacer.repace(overloads, stop).catch(() => undefined);
      this.c.sends.sent(this.c.o.now());
      const tokenGeneration = this.c.tokens.generation;
      return { raw: await this.c.o.client.send(item.kind, request.json, this.c.hardSignal), tokenGeneration };
    } finally {
      this.c.pacer.answered();
    }
  }

  /** The body to send, with the parent's id and the group's chat_id spliced in front. */
  #request(item: PlanItem, communityId: string | undefined): Request {
    const body = item.body!;
    const hash = bodyHash(body);
    if (item.kind === 'community') return { json: body, hash };
    const own = manifestChatId(body);
    const chatId = own ?? item.sentChatId ?? (this.c.o.deriveChatIds ? deriveChatId(communityId!, parseGroupKey(item.key)!.key) : undefined);
    let head = `{"community_id":${JSON.stringify(communityId)}`;
    if (chatId !== undefined && own === undefined) head += `,"chat_id":${JSON.stringify(chatId)}`;
    return { json: body === '{}' ? `${head}}` : `${head},${body.slice(1)}`, hash, chatId };
  }

  /** Every attempt line gets an outcome line (status.ts says which), so a replay knows exactly what was in flight. */
  #record(t: Try, outcome: Outcome): Promise<void> {
    const { item, request } = t;
    const event = OUTCOME_EVENT[outcome.type];
    const line = (fields: Partial<LedgerEvent>) => this.c.append(ledgerLine(this.c.o.runId, item, event, fields));
    // Settled by the proven "exists" answer: `by` says so (no group_id or share_url is known).
    if (outcome.type === 'created') return line({ ...outcome.ids, hash: request.hash, name: item.name, by: outcome.via });
    const status = outcome.type === 'throttled' ? 429 : outcome.status;
    const code = 'code' in outcome ? outcome.code : undefined;
    // An in-doubt line names the chat_id sent: what a person looks for.
    const chatId = outcome.type === 'in_doubt' ? request.chatId : undefined;
    const hash = outcome.type === 'exists' || outcome.type === 'in_doubt' ? request.hash : undefined;
    return line({ status, code, message: outcome.message, hash, chat_id: chatId });
  }
}

/** The chat_id a group's manifest gives, read from its serialised body. */
function manifestChatId(body: string): string | undefined {
  if (!body.includes('"chat_id"')) return undefined;
  const id = (JSON.parse(body) as { chat_id?: unknown }).chat_id;
  return typeof id === 'string' ? id : undefined;
}
