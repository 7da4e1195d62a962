// `demo` (npm start): apply the worked example against the in-process simulator, then apply
// it again to show that a re-run sends nothing. Uses a throwaway ledger.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT, type ExitCode } from '../../errors.js';
import { resolveRunConfig } from '../../config/run-config.js';
import { applyManifests } from '../../run/apply.js';
import { isComplete } from '../../run/summary.js';
import { planCountsText, summaryText } from '../render.js';
import type { Output } from '../output.js';

const EXAMPLE = fileURLToPath(new URL('../../../manifests/example.yaml', import.meta.url));

export async function runDemo(out: Output): Promise<ExitCode> {
  const dir = await mkdtemp(join(tmpdir(), 'genuin-demo-'));
  try {
    const config = resolveRunConfig({ simulate: true, ledger: join(dir, 'ledger.jsonl'), rate: '20/s' }, {}, true);
    out.info(`Demo: applying ${EXAMPLE} against the built-in simulator (ledger ${config.ledgerPath})\n`);
    const first = await applyManifests([EXAMPLE], config, { onWarning: (m) => out.warn(m), onPlan: (p) => out.info(`plan:\n${planCountsText(p)}\n`) });
    out.info(`first run:\n${summaryText(first.summary)}\n`);
    const second = await applyManifests([EXAMPLE], config, { onWarning: (m) => out.warn(m) });
    out.info(`second run, same command (the ledger remembers what was created):\n${summaryText(second.summary)}`);
    out.info('\nNext: genuin-provision --help, or the README quick start.');
    return isComplete(first.summary) && second.summary.requests === 0 ? EXIT.ok : EXIT.unresolved;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
