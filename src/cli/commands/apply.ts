// `apply`: run the plan against the API (or the simulator), then print the summary. Signals:
// the first SIGINT/SIGTERM/SIGHUP stops starting work and lets requests in flight finish; a
// second cuts them (recorded); a third exits at once. Progress: a live bar on a terminal, periodic log lines elsewhere.
import { EXIT, GenuinError, ManifestError, type ExitCode } from '../../errors.js';
import { createLogger, type Logger } from '../../log.js';
import type { Plan } from '../../plan/plan.js';
// The apply stage and the configuration, not the pipeline's index: that one loads every stage
// (reports, decisions, yaml) for a command that uses one.
import { logSettings, resolveRunConfig, type RunConfig, type RunFlags } from '../../config/run-config.js';
import { applyManifests, LockHeldError } from '../../pipeline/apply.js';
import type { SettledHit } from '../../pipeline/settled.js';
import type { Executor } from '../../run/executor.js';
import { ProgressModel } from '../../run/progress.js';
import { isComplete, type RunSummary } from '../../run/summary.js';
import { driftJson, driftText, planCountsText, summaryJson, summaryText } from '../render.js';
import { ProgressReporter, progressMode } from '../progress/reporter.js';
import { logRequests } from '../request-log.js';
import type { Environment } from '../environment.js';
import { reportFaults } from '../faults.js';
import { anotherLedgerText, ledgerExists, looksLikeAnotherLedger, missingLedgerText } from '../ledger-notes.js';
import type { Output } from '../output.js';
import { startRehearsal, type Rehearsal } from '../rehearsal.js';
import { checkMetricsTargets, writeRunMetrics, type MetricsTargets } from '../metrics-output.js';

/** After a second signal, how long the run may take to record what it cut before the process just exits. */
const HARD_EXIT_MS = 500;

/** The run's own flags are RunFlags (resolved by resolveRunConfig); these are about output. */
export interface ApplyFlags extends RunFlags {
  json?: boolean;
  /** --skip-if-locked: another run holding the ledger is no failure (cron): exit 4, nothing printed. */
  skipIfLocked?: boolean;
  /** --metrics-file: the run's outcome in the Prometheus text format, for node_exporter's textfile collector. */
  metricsFile?: string;
  /** --metrics-push: a Pushgateway to push the same metrics to. */
  metricsPush?: string;
  env: Environment;
}

export async function runApply(files: string[], flags: ApplyFlags, out: Output): Promise<ExitCode> {
  if (flags.json) out.jsonMode();
  if (flags.quiet) out.quiet();
  let config: RunConfig;
  const metrics: MetricsTargets = { file: flags.metricsFile, push: flags.metricsPush };
  try {
    config = resolveRunConfig({ flags, env: flags.env });
    checkMetricsTargets(metrics);
  } catch (error) {
    // Whatever ends the run is said where its logs go too, not only on stderr.
    const log = logSettings(flags, flags.env);
    if (log.file) logEnding(createLogger(log), error);
    throw error;
  }
  const mode = progressMode({
    progress: config.progress.show,
    quiet: config.quiet,
    logFile: config.log.file !== undefined,
    intervalMs: config.progress.intervalMs,
    env: flags.env,
  });
  const display = new ProgressReporter(mode);
  const region = display.region;
  // While the bar is up, every line for the terminal goes above it.
  if (region) out.route((stream, text) => region.write(stream, text));
  const logger = createLogger({ ...config.log, write: region ? (line) => region.write(process.stderr, line) : undefined });
  // A closed stdout or stderr does not stop the run (see main.ts); what it would have shown
  // goes to the log file, if there is one.
  if (config.log.file) out.whenDropped((lvl, text) => logger[lvl]({ stream: 'dropped' }, text));

  let executor: Executor | undefined;
  const signals = listenForSignals(out, () => executor);

  let planned: Plan | undefined;
  let before = { existed: true, runs: 0 };
  let rehearsal: Rehearsal | undefined;
  // How the run ended, for the metrics: every ending but the skipped overlap (exit 4: the run
  // holding the ledger writes its own) and a bug; with the summary whenever the run got one.
  let ending: { exitCode: ExitCode; summary?: RunSummary } | undefined;
  try {
    // --simulate: the CLI starts the simulator and hands it to the pipeline as the run's target.
    if (config.simulate) rehearsal = await startRehearsal();
    const result = await applyManifests(files, config, {
      onWarning: (m) => out.warn(m),
      onNotice: (m) => logger.info(m),
      onPlan: (plan, _warnings, ledger) => {
        planned = plan;
        // The writer has not opened the ledger yet: a file that is missing now is new with this run.
        before = { existed: ledgerExists(config.ledgerPath, ledger), runs: ledger.runs };
        // Nothing to send (the common cron case): say nothing until the summary.
        if (plan.counts.create.community + plan.counts.create.group + plan.counts.adopt === 0) return;
        // Which ledger, first: a run from another directory starts an empty one and plans everything.
        out.info(before.existed ? `ledger: ${config.ledgerPath}` : missingLedgerText(config.ledgerPath));
        if (config.simulate) out.info('rehearsal: running against the built-in simulator (fake ids, ledger ' + config.ledgerPath + ')');
        out.info(planCountsText(plan));
      },
      onExecutor: (ex) => {
        executor = ex;
        const log = logger.child({ run: ex.runId });
        logRequests(ex, log);
        // An id the ledger could not take is on stderr at once, ready to append: never lost.
        let told = false;
        ex.on('undurable', ({ line, error }) => {
          if (!told) out.error(`the ledger could not be written (${error.message}); these answers are not in it. Save the ledger lines below in a file and, once the ledger can be written, run: genuin-provision ledger append <file> --ledger ${config.ledgerPath}`);
          told = true;
          out.raw(process.stderr, `${JSON.stringify(line)}\n`);
        });
        display.start(ProgressModel.forPlan(planned!).attach(ex), log);
        // A signal that came while the plan was made: stop before anything is sent.
        if (signals.received() > 0) ex.stop('signal');
      },
    }, rehearsal?.target);
    display.finish();
    const exitCode = finished(result, { config, flags, out, logger, before });
    ending = { exitCode, summary: result.summary };
    return exitCode;
  } catch (error) {
    // Cron's overlapping run: the other run is doing the work, so this one is no failure.
    if (error instanceof LockHeldError && flags.skipIfLocked) {
      if (config.log.file) logger.info({ skipped: true }, `skipped (--skip-if-locked): ${error.message}`);
      return EXIT.skipped;
    }
    // Whatever ends the run is said where its logs go too, not only on stderr.
    if (config.log.file) logEnding(logger, error);
    // A run that stopped on an error (credentials, the ledger, its lock) still says what it did.
    if (executor && error instanceof GenuinError) {
      display.finish();
      out.summary(summaryText(executor.summary()));
    }
    if (error instanceof GenuinError) ending = { exitCode: error.exitCode, summary: executor?.summary() };
    if (error instanceof ManifestError) {
      reportFaults(error, out);
      return EXIT.usage;
    }
    throw error;
  } finally {
    if (ending) {
      await writeRunMetrics(metrics, ending, (m) => {
        out.warn(m);
        if (config.log.file) logger.warn(m);
      });
    }
    await rehearsal?.close();
    display.finish();
    out.route(undefined);
    signals.dispose();
  }
}

/**
 * SIGHUP is a dropped SSH session: like SIGINT and SIGTERM, nobody asked to lose requests in
 * flight. The first signal stops starting work (at once if the executor exists yet, else as soon
 * as it does: the caller checks received()) and lets requests in flight finish; the second cuts
 * requests in flight and lets the run unwind, which records them (in doubt when they had been
 * sent), prints the summary and releases the lock, with process.exit after HARD_EXIT_MS as a
 * backstop; a third exits at once, recording nothing more.
 */
function listenForSignals(out: Output, executor: () => Executor | undefined): { received: () => number; dispose: () => void } {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    const ex = executor();
    if (signals === 1) {
      out.warn(`${signal}: finishing requests in flight, starting nothing new (send ${signal} again to cut them)`);
      ex?.stop('signal');
      return;
    }
    if (signals === 2 && ex) {
      out.warn(`${signal}: cutting requests in flight: those already sent are recorded in doubt (send ${signal} again to exit without recording)`);
      ex.abort();
      setTimeout(() => process.exit(EXIT.aborted), HARD_EXIT_MS).unref();
      return;
    }
    out.warn(`${signal}: exiting now; requests in flight are left in flight in the ledger (the next run sends communities again, and lists groups in doubt)`);
    process.exit(EXIT.aborted);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return { received: () => signals, dispose: () => SIGNALS.forEach((s) => process.off(s, onSignal)) };
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

interface Finishing {
  config: RunConfig;
  flags: ApplyFlags;
  out: Output;
  logger: Logger;
  /** The ledger before this run, for the summary's "probably another ledger" note. */
  before: { existed: boolean; runs: number };
}

/** A finished run: its log record, the summary (text or JSON), and the exit code it earned. */
function finished({ summary, plan, settled }: { summary: RunSummary; plan: Plan; settled?: SettledHit }, { config, flags, out, logger, before }: Finishing): ExitCode {
  // The log's record of the run. On a terminal the summary below says the same, and a run
  // that sent nothing stays silent; a log file always gets it.
  const finished = { run: summary.runId, ledger: config.ledgerPath, ...summary.tally, requests: summary.requests, elapsed_ms: Math.round(summary.elapsedMs), drift: plan.counts.drift, ...(settled ? { settled_by: settled.run } : {}) };
  const didWork = summary.requests > 0 || summary.tally.adopted > 0;
  if (config.log.file || (didWork && !process.stderr.isTTY)) logger.info(finished, 'run finished');
  else logger.debug(finished, 'run finished');
  out.summary(summaryText(summary));
  if (settled) out.summary(settledText(settled));
  const drift = driftText(plan);
  if (drift) out.summary(drift);
  // Handles taken on a ledger with no past: most likely a run from another directory.
  const suspect = looksLikeAnotherLedger({ runsBefore: before.runs, existedBefore: before.existed, exists: summary.tally.exists, communitiesSent: plan.counts.create.community })
    ? anotherLedgerText({ path: config.ledgerPath, from: config.ledgerFrom }, summary.tally.exists, flags.env)
    : undefined;
  if (suspect) {
    out.summary(suspect);
    if (config.log.file) logger.warn({ ledger: config.ledgerPath }, suspect);
  }
  if (flags.json) out.json({ ledger: config.ledgerPath, ...(summaryJson(summary) as object), drift: driftJson(plan), ...(suspect ? { ledger_note: suspect } : {}), ...(settled ? { settled_by: settled } : {}) });
  if (summary.stopped === 'signal') return EXIT.aborted;
  return isComplete(summary) ? EXIT.ok : EXIT.unresolved;
}

/** Why a run read nothing: said every time, so nobody mistakes the shortcut for a check. */
function settledText(settled: SettledHit): string {
  return `nothing changed since run ${settled.run} (${settled.at}) found everything done: manifests and ledger not read again (--full reads them)`;
}

/** The error that ends a run, as the log's last line (its message only: never a stack, never a secret). */
function logEnding(logger: Logger, error: unknown): void {
  logger.error(error instanceof GenuinError ? error.message : `internal error: ${error instanceof Error ? error.message : String(error)}`);
}
