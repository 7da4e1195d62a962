// One log line per request a run sends: run, kind, key, attempt, status and duration on every
// line, the outcome's message when it is not a success. Bodies are never logged (they hold
// member phone numbers); server messages are phone-masked by the logger. Pauses after a 429
// are logged once each, at info: a run that waits minutes must say why and until when.
import type { EventEmitter } from 'node:events';
import type { Logger } from '../log.js';
import type { Executor, OutcomeEvent, StopReason } from '../run/executor.js';
import type { PauseEvent } from '../run/pacer.js';

/** A Retry-After longer than this is worth the time of day it ends. */
const LONG_WAIT_MS = 60_000;

/** 1.5s, 2m30s, 1h05m: short enough for a log line, exact enough for a person. */
export function formatWait(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** 12/s, 2.5/s, or per minute below one a second (the pacer's floor is one a minute). */
function formatRate(perSecond: number): string {
  if (perSecond >= 1) return `${Number(perSecond.toFixed(1))}/s`;
  return `${Number((perSecond * 60).toFixed(1))}/m`;
}

/** HH:MM:SS in local time: the clock of the person reading the log. */
function clockTime(date: Date): string {
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** One info line for a pause of all requests: how long, until when, and the rate after it. */
export function logPause(log: Logger, pause: PauseEvent, now = Date.now()): void {
  const until = new Date(now + pause.pauseMs);
  const fields = { pause_ms: Math.round(pause.pauseMs), retry_after_ms: pause.retryAfterMs ?? null, rate: pause.rate, until: until.toISOString() };
  const then = `then at most ${formatRate(pause.rate)}`;
  if (pause.retryAfterMs !== undefined && pause.retryAfterMs > LONG_WAIT_MS) {
    log.info(fields, `server asked to wait ${formatWait(pause.retryAfterMs)} (Retry-After); pausing all requests until ${clockTime(until)}, ${then}`);
  } else {
    log.info(fields, `rate limited by the API (HTTP 429): pausing all requests for ${formatWait(pause.pauseMs)}, ${then}`);
  }
}

/** The HTTP status behind an outcome, or null when there was no HTTP answer (network failure). */
function statusOf(outcome: OutcomeEvent['outcome']): number | null {
  if (outcome.type === 'created') return 200;
  if (outcome.type === 'throttled') return 429;
  return outcome.status ?? null;
}

/** Why a run stops, in words: the real cause, so a full disk is not mistaken for the API's answer. */
const STOP_WHY: Record<StopReason, string> = {
  'max-duration': '--max-duration reached',
  signal: 'interrupted',
  fatal: 'a failure no request can get past: see the error',
  ledger: 'the ledger could not be written',
  lock: 'the ledger lock was lost',
};

/**
 * Subscribes `log` (a child logger bound to the run id) to the executor's request outcomes.
 * Successes, throttles and retries are `debug` (transient, and many in a big run); what ends
 * an item badly is `warn`, a retry that used up `retries` included.
 */
export function logRequests(executor: Executor, log: Logger): void {
  const debug = log.isLevelEnabled('debug');
  executor.on('outcome', (e) => {
    const { item, outcome, attempt, durationMs } = e;
    // The common case (created, at info level) costs nothing.
    if (!debug && (outcome.type === 'created' || outcome.type === 'throttled' || outcome.type === 'retry')) return;
    const fields: Record<string, unknown> = {
      kind: item.kind,
      key: item.key,
      attempt,
      status: statusOf(outcome),
      duration_ms: Math.round(durationMs),
      outcome: outcome.type,
    };
    switch (outcome.type) {
      case 'created':
        log.debug(fields, 'created');
        return;
      case 'throttled':
        log.debug(fields, 'rate limited by the API: pausing');
        return;
      case 'retry':
        log.debug({ ...fields, message: outcome.message }, 'will retry');
        return;
      case 'exists':
        log.info({ ...fields, message: outcome.message }, 'already exists');
        return;
      default:
        log.warn({ ...fields, message: outcome.message }, outcome.type === 'in_doubt' ? 'in doubt' : outcome.type);
    }
  });
  // Only the executor knows when retries are used up: it says so when the item settles.
  executor.on('settled', ({ item, outcome, attempts, gaveUp }) => {
    if (!gaveUp || outcome.type !== 'failed') return;
    // Fields describe the last attempt, as on every request line; `outcome` is the item's end, as the ledger says.
    const fields = { kind: item.kind, key: item.key, attempt: attempts, status: outcome.status ?? null, outcome: 'failed', message: outcome.message };
    log.warn(fields, `failed: gave up after ${attempts - 1} retries`);
  });
  executor.on('blocked', (item, reason) => {
    log.warn({ kind: item.kind, key: item.key, reason }, 'blocked');
  });
  // The executor forwards its pacer's pauses as 'paused' (PacerOptions.onPause).
  (executor as EventEmitter).on('paused', (pause: PauseEvent) => logPause(log, pause));
  executor.on('stopping', (reason) => {
    const why = STOP_WHY[reason];
    log.warn({ reason }, `stopping (${why}): finishing requests in flight, starting nothing new`);
  });
}
