// `apply --metrics-file` and `--metrics-push`: the run's metrics (report/metrics.ts) written
// atomically for node_exporter's textfile collector, and pushed to a Pushgateway. Monitoring
// never changes a run's exit code: a file or a push that fails is one warning line.
import { readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';
import type { RunSummary } from '../run/summary.js';

export interface MetricsTargets {
  /** --metrics-file: the .prom file to replace. */
  file?: string;
  /** --metrics-push: the Pushgateway's base URL. */
  push?: string;
}

/** The Pushgateway job the metrics go under; the grouping adds `instance` = this host's name. */
export const PUSH_JOB = 'genuin_provision';

/** Checks the flags before the run starts: a push URL that is not http(s) is a usage error (exit 2). */
export function checkMetricsTargets(targets: MetricsTargets): void {
  if (targets.push === undefined) return;
  let url: URL;
  try {
    url = new URL(targets.push);
  } catch {
    throw new ConfigError(`--metrics-push ${shownUrl(targets.push)} is not a URL: give the Pushgateway's base, e.g. http://pushgateway.internal:9091`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`--metrics-push ${shownUrl(targets.push)} is not http:// or https://`);
}

/** A URL as messages show it: without the password of a `user:password@`. */
function shownUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return text.replace(/\/\/([^:@/]*):[^@]*@/, '//$1:***@');
  }
}

/**
 * The last clean run's time as the previous metrics file recorded it (seconds), if there is one:
 * carried forward so a run that is not clean does not erase when the job last succeeded.
 */
function previousLastSuccess(file: string, metricName: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const m = new RegExp(`^${metricName} (\\S+)$`, 'm').exec(text);
  const value = m ? Number(m[1]) : NaN;
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Writes and pushes the metrics of a run that ended with `exitCode` (with its summary when it got
 * that far). The file: a temporary file in the same directory, then a rename, so the collector
 * never reads half a file. The push: prom-client's Pushgateway, POST (pushAdd), so a metric this
 * run leaves out (last_success after a run that is not clean) keeps its value on the gateway.
 */
export async function writeRunMetrics(targets: MetricsTargets, ending: { exitCode: number; summary?: RunSummary }, warn: (message: string) => void, now = Date.now()): Promise<void> {
  if (targets.file === undefined && targets.push === undefined) return;
  // prom-client (and the OpenTelemetry API it loads: about 90 modules) only for a run that asked for metrics.
  const { LAST_SUCCESS, runMetricsRegistry } = await import('../report/metrics.js');
  const lastSuccess = ending.exitCode === 0 ? now / 1000 : targets.file !== undefined ? previousLastSuccess(targets.file, LAST_SUCCESS) : undefined;
  const registry = runMetricsRegistry({ exitCode: ending.exitCode, finishedAt: now, summary: ending.summary, lastSuccess });
  if (targets.file !== undefined) {
    const file = targets.file;
    const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
    try {
      // World-readable: node_exporter runs as its own user, and the file holds counts, no secrets.
      await writeFile(temp, await registry.metrics(), { mode: 0o644 });
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      warn(`cannot write the metrics file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  if (targets.push !== undefined) {
    try {
      const { Pushgateway } = await import('prom-client');
      await new Pushgateway(targets.push, { timeout: 10_000 }, registry).pushAdd({ jobName: PUSH_JOB, groupings: { instance: hostname() } });
    } catch (error) {
      const message = ((error as Error).message || String(error)).split('\n')[0]!.slice(0, 200);
      warn(`cannot push the metrics to ${shownUrl(targets.push)}: ${message}`);
    }
  }
}
