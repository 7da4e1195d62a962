// One log line per request a run sends: run, kind, key, attempt, status and duration on every
// line, the outcome's message when it is not a success. Bodies are never logged (they hold
// member phone numbers); server messages are phone-masked by the logger.
import type { Logger } from '../log.js';
import type { Executor, OutcomeEvent, StopReason } from '../run/executor.js';

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
  fatal: 'the API refused the credentials',
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
    // Fields describe the last attempt, as on every request line: it answered `retry`.
    const fields = { kind: item.kind, key: item.key, attempt: attempts, status: outcome.status ?? null, outcome: 'retry', message: outcome.message };
    log.warn(fields, `failed: gave up after ${attempts - 1} retries`);
  });
  executor.on('blocked', (item, reason) => {
    log.warn({ kind: item.kind, key: item.key, reason }, 'blocked');
  });
  executor.on('stopping', (reason) => {
    const why = STOP_WHY[reason];
    log.warn({ reason }, `stopping (${why}): finishing requests in flight, starting nothing new`);
  });
}
