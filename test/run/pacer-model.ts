// A model of runs against a token-bucket server on a fake clock: the real Pacer and the
// simulator's real TokenBucket, workers standing in for the executor's queue, no sockets.
// Model time only: a minute of sending is checked in well under a second, exactly and repeatably.
import { Pacer, type PacerOptions } from '../../src/run/pacer.js';
import { TokenBucket, retryAfterSeconds } from '../../src/simulator/token-bucket.js';

export interface ModelRun {
  /** Pacer options besides the clock (rate, auto, ...). */
  pacer: Omit<PacerOptions, 'now' | 'sleep'>;
  /** Items to create. */
  items: number;
  /** Requests in flight at most. Default 8. */
  concurrency?: number;
  /** When this run starts (ms). Default 0. */
  startAt?: number;
}

export interface ModelResult {
  /** Per run: arrival times (ms) of the requests the server accepted. */
  accepted: number[][];
  /** Per run: 429 answers. */
  refused: number[];
  /** Per run: arrival times (ms) of the requests the server refused. */
  refusedAt: number[][];
  /** Per run: the pacer, to read its rate found. */
  pacers: Pacer[];
  /** Per run: [time, rate] each 500 ms of model time. */
  rates: Array<Array<[number, number]>>;
}

/** Creates per second between a run's first and last accepted arrival. */
export function achieved(times: number[]): number {
  if (times.length < 2) return 0;
  return ((times.length - 1) / (times[times.length - 1]! - times[0]!)) * 1000;
}

/** Creates per second over [from, to) of model time. */
export function rateBetween(times: number[], from: number, to: number): number {
  return (times.filter((t) => t >= from && t < to).length / (to - from)) * 1000;
}

/**
 * Runs `runs` together against one server whose bucket allows `limit`/s (burst `burst`,
 * default `limit`), answering after `latencyMs`. A refused request is sent again, as the
 * executor does.
 */
export async function simulate(runs: ModelRun[], server: { limit: number; burst?: number; latencyMs?: number; jitterMs?: number; seed?: number }): Promise<ModelResult> {
  let t = 0;
  let timers: Array<{ at: number; seq: number; wake: () => void }> = [];
  let seq = 0;
  const now = () => t;
  const sleep = (ms: number) => new Promise<void>((wake) => timers.push({ at: t + ms, seq: seq++, wake }));
  const bucket = new TokenBucket(server.limit, server.burst ?? Math.max(1, server.limit), now);
  const latency = server.latencyMs ?? 10;
  // A small seeded generator (mulberry32): jittered answers, the same on every run of a test.
  let state = (server.seed ?? 1) >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const result: ModelResult = { accepted: runs.map(() => []), refused: runs.map(() => 0), refusedAt: runs.map(() => []), pacers: [], rates: runs.map(() => []) };

  const workers: Promise<void>[] = [];
  runs.forEach((run, i) => {
    const pacer = new Pacer({ ...run.pacer, now, sleep });
    result.pacers.push(pacer);
    let left = run.items;
    const worker = async () => {
      if (run.startAt) await sleep(run.startAt);
      while (left > 0) {
        left--;
        for (;;) {
          await pacer.take();
          const arrival = t;
          const taken = bucket.tryTake();
          const retryAfterMs = taken ? 0 : retryAfterSeconds(bucket.msUntilToken()) * 1000;
          await sleep(latency + random() * (server.jitterMs ?? 0));
          pacer.answered(); // as the executor does, before it reads the answer
          if (taken) {
            result.accepted[i]!.push(arrival);
            pacer.ok();
            break;
          }
          result.refused[i]!++;
          result.refusedAt[i]!.push(arrival);
          pacer.throttled(retryAfterMs);
        }
      }
    };
    for (let c = 0; c < (run.concurrency ?? 8); c++) workers.push(worker());
  });

  let done = false;
  let sampledAt = 0;
  void Promise.all(workers).then(() => (done = true));
  while (!done) {
    await new Promise((r) => setImmediate(r));
    if (done) break;
    if (timers.length === 0) throw new Error('model stalled: no timer and workers not done');
    let next = 0;
    for (let k = 1; k < timers.length; k++) {
      const a = timers[k]!;
      const b = timers[next]!;
      if (a.at < b.at || (a.at === b.at && a.seq < b.seq)) next = k;
    }
    const due = timers[next]!;
    while (sampledAt + 500 <= due.at) {
      sampledAt += 500;
      result.pacers.forEach((p, i) => result.rates[i]!.push([sampledAt, p.rate]));
    }
    timers = timers.filter((x) => x !== due);
    t = Math.max(t, due.at);
    due.wake();
  }
  for (const a of result.accepted) a.sort((x, y) => x - y);
  return result;
}
