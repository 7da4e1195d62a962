// `apply`: run the plan against the API (or the simulator), then print the summary. Signals:
// the first SIGINT/SIGTERM stops starting work and lets requests in flight finish; a second
// exits at once.
import { EXIT, ManifestError, type ExitCode } from '../../errors.js';
import { resolveRunConfig, type RunFlags } from '../../config/run-config.js';
import { createLogger } from '../../log.js';
import { applyManifests } from '../../run/apply.js';
import type { Executor } from '../../run/executor.js';
import { isComplete } from '../../run/summary.js';
import { planCountsText, summaryJson, summaryText } from '../render.js';
import type { Environment } from '../environment.js';
import type { Output } from '../output.js';
import { reportFaults } from './validate.js';

export interface ApplyFlags extends RunFlags {
  json?: boolean;
  quiet?: boolean;
  logFile?: string;
  logLevel?: string;
  env: Environment;
}

export async function runApply(files: string[], flags: ApplyFlags, out: Output): Promise<ExitCode> {
  if (flags.json) out.jsonMode();
  if (flags.quiet) out.quiet();
  const config = resolveRunConfig(flags, flags.env, true);
  const logger = createLogger({ level: flags.logLevel ?? flags.env.LOG_LEVEL ?? 'info', file: flags.logFile });

  let executor: Executor | undefined;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1 && executor) {
      out.warn(`${signal}: finishing requests in flight, starting nothing new (send ${signal} again to exit at once)`);
      executor.stop('signal');
      return;
    }
    out.warn(`${signal}: exiting now; requests in flight are left in doubt in the ledger`);
    process.exit(EXIT.aborted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const result = await applyManifests(files, config, {
      onWarning: (m) => out.warn(m),
      onPlan: (plan) => {
        if (config.simulate) out.info('rehearsal: running against the built-in simulator (fake ids, ledger ' + config.ledgerPath + ')');
        out.info(planCountsText(plan));
      },
      onExecutor: (ex) => {
        executor = ex;
        const log = logger.child({ run: ex.runId });
        ex.on('outcome', ({ item, outcome, attempt, durationMs }) => {
          const status = 'status' in outcome ? outcome.status : outcome.type === 'created' ? 200 : undefined;
          const fields = { kind: item.kind, key: item.key, attempt, outcome: outcome.type, status, ms: Math.round(durationMs) };
          if (outcome.type === 'created' || outcome.type === 'throttled' || outcome.type === 'retry') log.debug(fields, 'request');
          else if (outcome.type === 'exists') log.info(fields, 'already exists');
          else log.warn({ ...fields, message: outcome.message }, outcome.type);
        });
      },
    });
    const { summary } = result;
    logger.info({ run: summary.runId, ...summary.tally, requests: summary.requests, elapsed_ms: Math.round(summary.elapsedMs) }, 'run finished');
    out.summary(summaryText(summary));
    if (flags.json) out.json(summaryJson(summary));
    if (summary.stopped === 'signal') return EXIT.aborted;
    return isComplete(summary) ? EXIT.ok : EXIT.unresolved;
  } catch (error) {
    if (error instanceof ManifestError) {
      reportFaults(error, out);
      return EXIT.usage;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
