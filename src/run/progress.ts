// Progress figures of a run, per kind: done / total, rate, ETA, failed and in-doubt counts. A
// pure model fed by the executor's events; the CLI draws it (a bar on a terminal, a log line).
import type { ItemKind } from '../api/schema.js';
import type { Plan, PlanItem } from '../plan/plan.js';
import type { Executor, SettledEvent, StopReason } from './executor.js';

export interface KindProgress {
  kind: ItemKind;
  /** Items this run sends (plan: create), groups blocked mid-run included. */
  total: number;
  /** Items settled: created, exists, failed, in doubt or blocked. */
  done: number;
  created: number;
  exists: number;
  failed: number;
  in_doubt: number;
  blocked: number;
  /** Items settled per second over the last few seconds (0 until something settles). */
  rate: number;
  /** Estimated time left, or undefined when there is no rate yet (or nothing left). */
  etaMs?: number;
}

export interface ProgressFigures {
  elapsedMs: number;
  kinds: KindProgress[];
  /** Set once the run stops starting new work. */
  stopping?: StopReason;
  /** The request rate found (`--rate auto`, or a 429 under a fixed rate), requests per second. */
  rateFound?: number;
}

export interface ProgressOptions {
  /** Seconds of history the rate is taken over. Default 10. */
  windowSeconds?: number;
  now?: () => number;
}

/** Settled items per one-second bucket, for a rate that follows the current pace. */
class RateWindow {
  readonly #buckets: number[];
  readonly #seconds: number[];
  #first?: number;

  constructor(size: number) {
    this.#buckets = new Array<number>(size).fill(0);
    this.#seconds = new Array<number>(size).fill(-1);
  }

  add(nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    this.#first ??= nowMs;
    const i = second % this.#buckets.length;
    if (this.#seconds[i] !== second) {
      this.#seconds[i] = second;
      this.#buckets[i] = 0;
    }
    this.#buckets[i]!++;
  }

  rate(nowMs: number): number {
    if (this.#first === undefined) return 0;
    const second = Math.floor(nowMs / 1000);
    const size = this.#buckets.length;
    let count = 0;
    for (let i = 0; i < size; i++) if (this.#seconds[i]! > second - size) count += this.#buckets[i]!;
    // Early on, divide by the time since the first settle, not by the whole window.
    const spanMs = Math.min(size * 1000, Math.max(nowMs - this.#first, 1000));
    return (count / spanMs) * 1000;
  }
}

interface Counter extends Omit<KindProgress, 'rate' | 'etaMs'> {
  window: RateWindow;
  /** The rate when the last item settled: a finished kind keeps the pace it had, not a decaying one. */
  finalRate?: number;
}

export class ProgressModel {
  readonly #o: Required<ProgressOptions>;
  readonly #started: number;
  readonly #kinds: Record<ItemKind, Counter>;
  #stopping?: StopReason;

  constructor(totals: Record<ItemKind, number>, options: ProgressOptions = {}) {
    this.#o = { windowSeconds: 10, now: () => performance.now(), ...options };
    this.#started = this.#o.now();
    const counter = (kind: ItemKind): Counter => ({
      kind,
      total: totals[kind],
      done: 0,
      created: 0,
      exists: 0,
      failed: 0,
      in_doubt: 0,
      blocked: 0,
      window: new RateWindow(this.#o.windowSeconds),
    });
    this.#kinds = { community: counter('community'), group: counter('group') };
  }

  /** Totals from the plan: what this run will try to send. */
  static forPlan(plan: Plan, options: ProgressOptions = {}): ProgressModel {
    return new ProgressModel({ community: plan.counts.create.community, group: plan.counts.create.group }, options);
  }

  /** Subscribes to an executor's events. */
  attach(executor: Executor): this {
    executor.on('settled', (e) => this.settled(e));
    executor.on('blocked', (item) => this.blocked(item));
    executor.on('stopping', (reason) => this.stopping(reason));
    executor.on('rate', (rate) => this.rateFound(rate));
    return this;
  }

  /** An item's final outcome (the executor decides when retries are used up). */
  settled(e: SettledEvent): void {
    const t = e.outcome.type;
    // Fatal stops the run: count it failed so the bar shows it.
    this.#settle(e.item.kind, t === 'created' || t === 'exists' || t === 'in_doubt' ? t : 'failed');
  }

  /** A group blocked mid-run because its parent failed or exists without an id. */
  blocked(item: PlanItem): void {
    this.#settle(item.kind, 'blocked');
  }

  stopping(reason: StopReason): void {
    this.#stopping = reason;
  }

  #rateFound?: number;

  /** The executor's rate found changed. */
  rateFound(rate: number): void {
    this.#rateFound = rate;
  }

  #settle(kind: ItemKind, as: 'created' | 'exists' | 'failed' | 'in_doubt' | 'blocked'): void {
    const c = this.#kinds[kind];
    c[as]++;
    c.done++;
    const now = this.#o.now();
    c.window.add(now);
    if (c.done === c.total) c.finalRate = c.window.rate(now);
  }

  snapshot(): ProgressFigures {
    const now = this.#o.now();
    const kinds: KindProgress[] = [];
    for (const c of [this.#kinds.community, this.#kinds.group]) {
      if (c.total === 0) continue;
      const { window, finalRate, ...figures } = c;
      const rate = finalRate ?? window.rate(now);
      const left = Math.max(0, c.total - c.done);
      kinds.push({ ...figures, rate, etaMs: rate > 0 && left > 0 ? (left / rate) * 1000 : undefined });
    }
    return {
      elapsedMs: now - this.#started,
      kinds,
      ...(this.#stopping ? { stopping: this.#stopping } : {}),
      ...(this.#rateFound !== undefined ? { rateFound: this.#rateFound } : {}),
    };
  }
}
