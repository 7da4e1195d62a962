// Even request pacing at a rate that can change while the run goes: each request takes the
// next slot on a fixed schedule, and a 429 pushes the whole schedule back and lowers the rate.
//
// Why not p-queue's interval options: they cannot be changed once the queue exists (the rate
// must adapt to 429s), and a timer-driven window accumulates each timer's lateness, which at
// hundreds of requests per second leaves the run measurably under its limit. Slots here are
// computed from the schedule, not from when a timer fired, so lateness never accumulates.

/**
 * How far behind schedule the pacer still catches up. At 500 req/s this is a burst of at most
 * 10 requests, well inside any token bucket that allows the rate at all.
 */
const MAX_CATCH_UP_MS = 20;

export interface PacerOptions {
  /** Requests per second at most: the configured `--rate`. */
  rate: number;
  /**
   * Lowest rate adaptive slowing may reach. Default: one request a minute (or `rate`, if lower).
   * It must sit far below any real limit: a floor above the server's limit would keep the run
   * at 429s forever (a fixed fraction of --rate once did, at 50% 429s).
   */
  minRate?: number;
  /** Clean answers in a row before the rate creeps back up by `recoverFactor`. Default 20. */
  recoverAfter?: number;
  /** Multiplier applied on a 429. Default 0.5. */
  slowFactor?: number;
  /** Multiplier applied after `recoverAfter` clean answers. Default 1.1. */
  recoverFactor?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Told when a 429 starts a pause, once per pause: not for the 429s that answer requests sent
   * before it, unless one lengthens the pause by a minute or more (a long Retry-After).
   */
  onPause?: (pause: PauseEvent) => void;
}

/** A pause of all requests that a 429 started. */
export interface PauseEvent {
  /** From now until the first request may start again. */
  pauseMs: number;
  /** The server's Retry-After, when it sent one. */
  retryAfterMs?: number;
  /** Requests per second once the pause ends. */
  rate: number;
}

/** A pause that grows by this much is news even while an earlier one runs. */
const LONGER_PAUSE_MS = 60_000;

export class Pacer {
  readonly maxRate: number;
  #rate: number;
  readonly #minRate: number;
  readonly #recoverAfter: number;
  readonly #slowFactor: number;
  readonly #recoverFactor: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #onPause?: (pause: PauseEvent) => void;
  /** Time the next request may start. */
  #next = 0;
  #clean = 0;
  /** A clean answer came back since the last cut: the next 429 is news, not the same overload. */
  #cleanSinceCut = true;
  #pausedUntil = 0;
  /** Bumped by every 429: slots handed out before it were spaced for the old rate. */
  #epoch = 0;

  constructor(options: PacerOptions) {
    this.maxRate = options.rate;
    this.#rate = options.rate;
    this.#minRate = options.minRate ?? Math.min(options.rate, 1 / 60);
    this.#recoverAfter = options.recoverAfter ?? 20;
    this.#slowFactor = options.slowFactor ?? 0.5;
    this.#recoverFactor = options.recoverFactor ?? 1.1;
    this.#now = options.now ?? (() => performance.now());
    this.#sleep = options.sleep ?? sleep;
    this.#onPause = options.onPause;
  }

  get rate(): number {
    return this.#rate;
  }

  /** Waits for this request's slot. Slots are handed out in call order. */
  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.#now();
      const epoch = this.#epoch;
      const gap = 1000 / this.#rate;
      // A slot missed by a short stall (GC, a slow fsync) is still taken, so the average rate
      // holds; an idle spell longer than that banks nothing, or it would be a burst later.
      const behind = now - this.#next;
      const slot = Math.max(behind <= MAX_CATCH_UP_MS ? this.#next : now, this.#pausedUntil);
      this.#next = slot + gap;
      const wait = slot - now;
      if (wait < 1) return;
      await this.#sleep(wait, signal);
      // A 429 that arrived while we slept voids our slot: it may fall inside the pause, and
      // it was spaced for the old rate (keeping it would send a burst at the old rate once
      // the pause ends, and earn the next 429). Take a new one.
      if (this.#epoch === epoch) return;
    }
  }

  /**
   * A 429: no request starts before `retryAfterMs` from now (or one gap), and the rate halves,
   * once per overload. 429s that arrive during a pause answer requests sent before it, and
   * 429s with no clean answer since the last cut say the server has not recovered yet (its
   * Retry-After covers that): both are the overload the last cut already answered. Halving for
   * each would sink the rate by a concurrency's worth of halvings, and recovery is slow.
   */
  throttled(retryAfterMs?: number): void {
    const now = this.#now();
    if (now >= this.#pausedUntil && this.#cleanSinceCut) {
      this.#rate = Math.max(this.#minRate, this.#rate * this.#slowFactor);
      this.#cleanSinceCut = false;
    }
    this.#clean = 0;
    const until = now + (retryAfterMs ?? 1000 / this.#rate);
    const before = this.#pausedUntil;
    this.#pausedUntil = Math.max(this.#pausedUntil, until);
    if (now >= before || this.#pausedUntil - before >= LONGER_PAUSE_MS) {
      this.#onPause?.({ pauseMs: this.#pausedUntil - now, retryAfterMs, rate: this.#rate });
    }
    // Restart the schedule at the end of the pause: waiting takers re-queue at the new rate.
    this.#next = this.#pausedUntil;
    this.#epoch++;
  }

  /** A clean answer: after enough of them, creep back towards the configured rate. */
  ok(): void {
    // Answers to requests sent before the pause say nothing about the rate after the cut.
    if (this.#now() >= this.#pausedUntil) this.#cleanSinceCut = true;
    if (this.#rate >= this.maxRate) return;
    if (++this.#clean >= this.#recoverAfter) {
      this.#clean = 0;
      this.#rate = Math.min(this.maxRate, this.#rate * this.#recoverFactor);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
