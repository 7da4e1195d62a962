// A run's outcome as Prometheus metrics (prom-client, one Registry per run: never the global one),
// for node_exporter's textfile collector or a Pushgateway. Every value is this run's: a cron job
// is a new process each time, so these are gauges, not counters that grow across runs.
import { Gauge, Registry } from 'prom-client';
import type { RunSummary } from '../run/summary.js';
import { TALLY_KEYS, type TallyKey } from '../status.js';

/** The metrics' common prefix. */
export const METRIC_PREFIX = 'genuin_provision_';

/** The gauge an alert on "no successful run for N hours" reads; carried over from the last file when this run is not clean. */
export const LAST_SUCCESS = `${METRIC_PREFIX}last_success_timestamp_seconds`;

const OUTCOMES: readonly TallyKey[] = TALLY_KEYS;

export interface RunMetrics {
  /** The exit code the run ends with. */
  exitCode: number;
  /** When the run ended, in ms since the epoch. */
  finishedAt: number;
  /** The run's figures, when it got as far as planning (a run refused earlier has only its exit code). */
  summary?: RunSummary;
  /**
   * The unix time (seconds) of the last run that ended with nothing left to do, if any: this
   * run's end when it is one (exit 0), else what the caller carried over from the previous run.
   */
  lastSuccess?: number;
}

/** A registry holding the run's metrics; `await registry.metrics()` is the text exposition format. */
export function runMetricsRegistry(run: RunMetrics): Registry {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name: METRIC_PREFIX + name, help, labelNames, registers: [registry] });

  gauge('exit_code', 'Exit code of the last run: 0 done, 1 items left (failed, blocked, in doubt, not started), 2 usage or manifest, 3 aborted').set(run.exitCode);
  gauge('last_run_timestamp_seconds', 'Unix time the last run ended').set(run.finishedAt / 1000);
  if (run.lastSuccess !== undefined) {
    new Gauge({ name: LAST_SUCCESS, help: 'Unix time of the last run that ended with nothing left to do (exit 0)', registers: [registry] }).set(run.lastSuccess);
  }
  const s = run.summary;
  if (s === undefined) return registry;
  const items = gauge('items', 'Items of the last run by kind and outcome (skipped: done before; not_started: the run stopped first)', ['kind', 'outcome']);
  for (const kind of ['community', 'group'] as const) for (const outcome of OUTCOMES) items.set({ kind, outcome }, s.byKind[kind][outcome]);
  gauge('requests', 'HTTP requests the last run sent, retries included').set(s.requests);
  gauge('throttled_requests', 'Of those, the answers that were 429 (rate limited)').set(s.throttled);
  gauge('duration_seconds', 'How long the last run took').set(s.elapsedMs / 1000);
  if (s.rateFound !== undefined) gauge('rate_found_requests_per_second', "The API's rate limit as the last run found it (--rate auto, or a 429 under a fixed rate)").set(s.rateFound);
  return registry;
}
