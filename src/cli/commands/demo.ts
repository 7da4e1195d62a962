// `demo` (npm start): apply the worked example against the in-process simulator, then apply
// it again to show that a re-run sends nothing. Uses a throwaway ledger.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, type ExitCode } from '../../errors.js';
import { createLogger } from '../../log.js';
import type { Plan } from '../../plan/plan.js';
import { applyManifests, resolveRunConfig } from '../../pipeline/index.js';
import { ProgressModel } from '../../run/progress.js';
import { isComplete } from '../../run/summary.js';
import { planCountsText, summaryText } from '../render.js';
import type { Output } from '../output.js';
import { ProgressReporter, progressMode } from '../progress/reporter.js';
import { packageFile } from '../package-files.js';
import { startRehearsal } from '../rehearsal.js';

const EXAMPLE = packageFile('manifests/example.yaml');

export async function runDemo(out: Output): Promise<ExitCode> {
  const dir = await mkdtemp(join(tmpdir(), 'genuin-demo-'));
  const rehearsal = await startRehearsal();
  try {
    const config = resolveRunConfig({ flags: { simulate: true, ledger: join(dir, 'ledger.jsonl'), rate: '20/s' }, env: {} });
    out.info(`Demo: applying ${EXAMPLE} against the built-in simulator (ledger ${config.ledgerPath})\n`);
    // The same progress display as apply: a bar on a terminal.
    const display = new ProgressReporter(progressMode({ progress: true, quiet: false, logFile: false, intervalMs: config.progress.intervalMs, env: process.env }));
    const region = display.region;
    if (region) out.route((stream, text) => region.write(stream, text));
    const logger = createLogger({ level: 'warn', write: region ? (line) => region.write(process.stderr, line) : undefined });
    let first;
    let plan: Plan | undefined;
    try {
      first = await applyManifests([EXAMPLE], config, {
        onWarning: (m) => out.warn(m),
        onPlan: (p) => {
          plan = p;
          out.info(`plan:\n${planCountsText(p)}\n`);
        },
        onExecutor: (ex) => display.start(ProgressModel.forPlan(plan!).attach(ex), logger),
      }, rehearsal.target);
    } finally {
      display.finish();
      out.route(undefined);
    }
    out.info(`first run:\n${summaryText(first.summary)}\n`);
    const second = await applyManifests([EXAMPLE], config, { onWarning: (m) => out.warn(m) }, rehearsal.target);
    out.info(`second run, same command (the ledger remembers what was created):\n${summaryText(second.summary)}`);
    out.info('\nNext: genuin-provision --help, or the README quick start.');
    return isComplete(first.summary) && second.summary.requests === 0 ? EXIT.ok : EXIT.unresolved;
  } finally {
    await rehearsal.close();
    await rm(dir, { recursive: true, force: true });
  }
}
