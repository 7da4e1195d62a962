// Even request pacing at a rate that can change while the run goes: each request takes the
// next slot on a fixed schedule, and a 429 pushes the whole schedule back. How a 429 and clean
// answers move the rate (for --rate auto and a fixed --rate alike) is rate-control.ts's.
//
// Why not p-queue's interval options: they cannot be changed once the queue exists (the rate
// must adapt to 429s), and a timer-driven window accumulates each timer's lateness, which at
// hundreds of requests per second leaves the run measurably under its limit. Slots here are
// computed from the schedule, not from when a timer fired, so lateness never accumulates.
import { RateControl } from './rate-control.js';

/**
 * How far behind schedule the pacer still catches up. At 500 req/s this is a burst of at most
 * 10 requests, well inside any token bucket that allows the rate at all.
 */
const MAX_CATCH_UP_MS = 20;

export interface PacerOptions {
  /** Requests per second at most: the configured `--rate`, or `--max-rate` with `auto`. */
  rate: number;
  /**
   * `--rate auto`: start at `startRate` and find the limit (the rate grows until a 429). Without
   * it the run starts at `rate` and only 429s slow it.
   */
  auto?: boolean;
  /** The first rate with `auto`. Default: 0.9 × `knownLimit`, else DEFAULT_START_RATE. */
  startRate?: number;
  /** A rate found before (the ledger's record): with `auto` the run holds just under it from the start. */
  knownLimit?: number;
  /**
   * Lowest rate adaptive slowing may reach. Default: one request a minute (or `rate`, if lower).
   * It must sit far below any real limit: a floor above the server's limit would keep the run
   * at 429s forever (BENCHMARKS.md, "What the rate control's rules rest on").
   */
  minRate?: number;
  /**
   * Requests sent and not yet answered, at most, until the first 429: this many, plus one per
   * answer (so it doubles each round trip). Default: no such bound. With it, every send must be
   * followed by `answered()`.
   */
  initialWindow?: number;
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

/**
 * A slot this late when its taker wakes is given up for a new one: short stalls are caught up
 * (at 500/s, 25 requests at once, inside any bucket that allows the rate at all), a blocked
 * event loop does not become a burst of every slot handed out meanwhile.
 */
const MAX_STALE_MS = 50;
/** Takers sleep at most this long at a time, to notice a re-spaced schedule. */
const SLEEP_STEP_MS = 100;
/** A rate grown by this factor since the waiting slots were spaced re-spaces them. */
const RESPACE_GROWTH = 1.1;

/** A pause that grows by this much is news even while an earlier one runs. */
const LONGER_PAUSE_MS = 60_000;

/** Where `--rate auto` starts without a record: slow enough for any API that is up at all. */
export const DEFAULT_START_RATE = 4;
/** A recorded rate is started from at this share of it: the limit may have moved since. */
const RECORDED_START_SHARE = 0.9;

export class Pacer {
  readonly maxRate: number;
  readonly auto: boolean;
  readonly #control: RateControl;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #onPause?: (pause: PauseEvent) => void;
  /** Time the next request may start. */
  #next = 0;
  /** The rate the slots handed out were spaced for. */
  #spacedFor: number;
  /** A clean answer came back since the last cut: the next 429 is news, not the same overload. */
  #cleanSinceCut = true;
  #pausedUntil = 0;
  /** Bumped by every 429, and by a re-spacing: slots handed out before it were spaced for the old rate. */
  #epoch = 0;
  /** Bumped by every 429 only: see `overloads`. */
  #overloads = 0;
  /** Sends not answered yet, and how many may be; Infinity once a 429 has shown the limit. */
  #unanswered = 0;
  #window: number;
  #windowWaiters: Array<() => void> = [];

  constructor(options: PacerOptions) {
    this.maxRate = options.rate;
    this.auto = options.auto === true;
    this.#now = options.now ?? (() => performance.now());
    this.#sleep = options.sleep ?? sleep;
    this.#onPause = options.onPause;
    const known = this.auto ? options.knownLimit : undefined;
    this.#control = new RateControl({
      start: this.auto ? (options.startRate ?? (known !== undefined ? known * RECORDED_START_SHARE : DEFAULT_START_RATE)) : options.rate,
      max: options.rate,
      min: options.minRate ?? 1 / 60,
      search: this.auto && known === undefined,
      limit: known,
      now: this.#now,
    });
    this.#spacedFor = this.#control.rate;
    this.#window = options.initialWindow ?? Infinity;
  }

  /** Requests per second now. */
  get rate(): number {
    return this.#control.rate;
  }

  /**
   * The rate found: held just under the limit the server showed, or, before any 429, the
   * highest rate answered cleanly. For the progress line, the summary and the ledger.
   */
  get found(): number {
    return this.#control.found;
  }

  /** Whether a 429 has shown the limit (or the ledger's record gave one to start from). */
  get limitSeen(): boolean {
    return this.#control.limited;
  }

  /**
   * Waits for this request's slot. Slots are handed out in call order on a fixed schedule; a
   * 429, or a rate grown by a tenth since the slots were spaced, re-spaces the ones not yet
   * reached (their takers sleep in short steps, so they notice).
   */
  async take(signal?: AbortSignal): Promise<void> {
    // Before the first 429 the rate is only a setting: a process starting on a busy machine
    // answers late, and a rate ten times the limit would send a second's worth or more into
    // the limit before the first 429 is read. Sends wait for answers instead (as a TCP start does).
    while (this.#unanswered >= this.#window) await this.#windowFreed(signal);
    this.#unanswered++;
    try {
      await this.#slot(signal);
    } catch (error) {
      this.answered(); // stopped while waiting: nothing was sent
      throw error;
    }
  }

  /** 429s read so far: a send that read this when its slot came calls `repace()` with it. */
  get overloads(): number {
    return this.#overloads;
  }

  /**
   * Just before a send leaves, after its slot (its ledger line had to be made durable in
   * between): if a 429 was read since `take()` (`overloads` then), the send waits out the pause
   * and takes a slot at the cut rate. Otherwise every send queued behind one slow fsync leaves
   * together at the old rate after the pause began, each earning its 429 (BENCHMARKS.md, issue 22).
   */
  async repace(overloadsAtTake: number, signal?: AbortSignal): Promise<void> {
    if (this.#overloads !== overloadsAtTake) await this.#slot(signal);
  }

  /** The answer to a send that `take()` let through (any answer, or none: a network error). */
  answered(): void {
    this.#unanswered = Math.max(0, this.#unanswered - 1);
    if (this.#window === Infinity) return;
    this.#window++;
    // Each waiter checks the window again as it wakes; the first ones take the room.
    for (const wake of this.#windowWaiters.splice(0)) wake();
  }

  #windowFreed(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        this.#windowWaiters = this.#windowWaiters.filter((w) => w !== wake);
        reject(signal!.reason);
      };
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#windowWaiters.push(wake);
    });
  }

  async #slot(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.#now();
      const epoch = this.#epoch;
      const gap = 1000 / this.#control.rate;
      // A slot missed by a short stall (GC, a slow fsync) is still taken, so the average rate
      // holds; an idle spell longer than that banks nothing, or it would be a burst later.
      const behind = now - this.#next;
      const slot = Math.max(behind <= MAX_CATCH_UP_MS ? this.#next : now, this.#pausedUntil);
      this.#next = slot + gap;
      let wait = slot - now;
      while (wait >= 1 && this.#epoch === epoch) {
        await this.#sleep(Math.min(wait, SLEEP_STEP_MS), signal);
        wait = slot - this.#now();
      }
      // A 429 that arrived while we slept voids our slot: it may fall inside the pause, and it
      // was spaced for the old rate (keeping it would send a burst at the old rate once the
      // pause ends, and earn the next 429). So does a rate that grew: the slot is too late.
      // And a slot long past (the event loop was blocked: a start-up, a slow disk) would go
      // out in one burst with every other one handed out meanwhile: take a new one.
      if (this.#epoch === epoch && this.#now() - slot <= MAX_STALE_MS) return;
    }
  }

  /**
   * A 429: no request starts before `retryAfterMs` from now (or one gap), and the rate is cut
   * (rate-control.ts), once per overload. 429s that arrive during a pause answer requests sent before it, and
   * 429s with no clean answer since the last cut say the server has not recovered yet (its
   * Retry-After covers that): both are the overload the last cut already answered. A cut for
   * each would sink the rate by a concurrency's worth of cuts, and recovery is slow.
   */
  throttled(retryAfterMs?: number): void {
    const now = this.#now();
    // The limit has spoken: from now on the rate (and its pause) is what holds sends back.
    if (this.#window !== Infinity) {
      this.#window = Infinity;
      for (const wake of this.#windowWaiters.splice(0)) wake();
    }
    if (now >= this.#pausedUntil && this.#cleanSinceCut) {
      this.#control.cut();
      this.#cleanSinceCut = false;
    } else {
      this.#control.refused();
    }
    const until = now + (retryAfterMs ?? 1000 / this.#control.rate);
    const before = this.#pausedUntil;
    this.#pausedUntil = Math.max(this.#pausedUntil, until);
    if (now >= before || this.#pausedUntil - before >= LONGER_PAUSE_MS) {
      this.#onPause?.({ pauseMs: this.#pausedUntil - now, retryAfterMs, rate: this.#control.rate });
    }
    // Restart the schedule at the end of the pause: waiting takers re-queue at the new rate.
    this.#next = this.#pausedUntil;
    this.#spacedFor = this.#control.rate;
    this.#epoch++;
    this.#overloads++;
  }

  /** A clean answer: the rate grows back towards the limit, or finds it (rate-control.ts). */
  ok(): void {
    // Answers to requests sent before the pause say nothing about the rate after the cut.
    if (this.#now() >= this.#pausedUntil) this.#cleanSinceCut = true;
    this.#control.ok();
    // Grown by a tenth since the waiting slots were spaced: re-space them from now.
    if (this.#control.rate >= this.#spacedFor * RESPACE_GROWTH) {
      this.#next = Math.max(this.#now(), this.#pausedUntil);
      this.#spacedFor = this.#control.rate;
      this.#epoch++;
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
