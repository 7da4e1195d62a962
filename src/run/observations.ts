// What a run learns about the server and keeps for the next one: the rate found (told as it
// changes, recorded in the ledger now and then) and whether the server keeps client chat_ids,
// which with the proven chat_id answer decides whether a group whose answer was lost may be resent.
import type { ChatIdAnswer } from '../api/chat-id-profile.js';
import type { PlanItem } from '../plan/plan.js';
import type { LedgerSink, ObservedLine } from './executor-api.js';
import type { Pacer } from './pacer.js';
import type { StopReason } from './summary.js';

/** How often the rate found is looked at (progress) ... */
export const RATE_WATCH_MS = 1_000;
/** ... and recorded in the ledger at most. */
const RATE_RECORD_MS = 60_000;

export interface ObservationContext {
  readonly runId: string;
  readonly pacer: Pick<Pacer, 'auto' | 'limitSeen' | 'found'>;
  /** The answer proven to mean "a group with this chat_id exists" (ExecutorOptions.chatIdExists). */
  readonly chatIdExists?: ChatIdAnswer;
  /** Whether the server was last seen to echo client chat_ids (ExecutorOptions.chatIdsHonoured). */
  readonly chatIdsHonoured?: boolean;
  /** The ledger itself: a rate line that cannot be written is no reason to stop the run. */
  readonly ledger: LedgerSink;
  /** The executor's append: a line it cannot write stops the run. */
  append(line: ObservedLine): Promise<void>;
  now(): number;
  /** Requests sent so far. */
  requests(): number;
  stopReason(): StopReason | undefined;
  /** Tells observers the rate found changed (the executor's 'rate' event). */
  rateChanged(rate: number): void;
}

export class Observations {
  #chatIdsHonoured: boolean | undefined;
  #shownRate?: number;
  #recordedRate?: number;
  #lastRecordAt = 0;

  constructor(private readonly c: ObservationContext) {
    this.#chatIdsHonoured = c.chatIdsHonoured;
  }

  /** The rate found so far (requests per second), or undefined while nothing is known about the limit (fixed --rate, no 429). */
  get rateFound(): number | undefined {
    return this.c.pacer.auto || this.c.pacer.limitSeen ? this.c.pacer.found : undefined;
  }

  /** Tells a changed rate found; records it in the ledger at most once a minute. */
  watchRate(): void {
    const found = this.rateFound;
    if (found === undefined) return;
    if (this.#shownRate === undefined || Math.abs(found - this.#shownRate) >= this.#shownRate * 0.01) {
      this.#shownRate = found;
      this.c.rateChanged(found);
    }
    if (this.c.now() - this.#lastRecordAt >= RATE_RECORD_MS) void this.recordRate().catch(() => undefined);
  }

  /**
   * Records the rate found as an `observed` line, when a 429 has shown the limit (a run that
   * never met one knows only a lower bound: the next run searches again) and it changed.
   */
  async recordRate(): Promise<void> {
    if (!this.c.pacer.limitSeen || this.c.requests() === 0 || this.c.stopReason() === 'ledger') return;
    const rate = Number(this.c.pacer.found.toFixed(2));
    if (rate === this.#recordedRate) return;
    this.#recordedRate = rate;
    this.#lastRecordAt = this.c.now();
    await this.c.ledger.append({ at: new Date().toISOString(), run: this.c.runId, event: 'observed', rate });
  }

  /**
   * Why a group whose answer was lost may not be resent now, or undefined when it may: the API
   * must be proven to refuse a repeated chat_id, and no answer may have shown it ignoring ours.
   * Asked when an answer is judged and again as the resend leaves: trust may go meanwhile.
   */
  whyNotResend(item: PlanItem, chatId: string | undefined): string | undefined {
    if (item.kind !== 'group' || chatId === undefined) return 'it is sent without a chat_id';
    if (this.c.chatIdExists === undefined) return 'the API is not proven to refuse a repeated chat_id (genuin-provision probe)';
    if (this.#chatIdsHonoured === false) return 'a create answer carried another chat_id than the one sent: this server does not keep client chat_ids';
    return undefined;
  }

  /** Writes down whether the server echoes client chat_ids, when that is news. */
  async chatIdEcho(honoured: boolean): Promise<void> {
    if (this.#chatIdsHonoured === honoured) return;
    this.#chatIdsHonoured = honoured;
    await this.c.append({ at: new Date().toISOString(), run: this.c.runId, event: 'observed', chat_id_honoured: honoured });
  }
}
