// `plan`: what apply would do, from the manifests and the ledger; sends nothing.
import { EXIT, ManifestError, formatFault, type ExitCode } from '../../errors.js';
import { readLedger } from '../../ledger/replay.js';
import { makePlan } from '../../plan/make-plan.js';
import { planCountsText, planDetailLines, planIssueLines, planJson } from '../render.js';
import type { Environment } from '../environment.js';
import type { Output } from '../output.js';
import { reportFaults } from './validate.js';
import { ledgerPathFor } from './ledger-path.js';

export interface PlanFlags {
  ledger?: string;
  detail?: boolean;
  json?: boolean;
  retryInDoubt?: boolean;
  simulate?: boolean;
  env: Environment;
}

export async function runPlan(files: string[], flags: PlanFlags, out: Output): Promise<ExitCode> {
  if (flags.json) out.jsonMode();
  const ledger = await readLedger(ledgerPathFor(flags), { onWarning: (m) => out.warn(m) });
  let made;
  try {
    made = await makePlan(files, { ledger, retryInDoubt: flags.retryInDoubt });
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    reportFaults(error, out);
    return EXIT.usage;
  }
  for (const w of made.warnings) out.warn(formatFault(w));
  const { plan } = made;
  if (flags.detail) for (const line of planDetailLines(plan)) out.info(line);
  out.info(planCountsText(plan));
  if (!flags.detail) {
    const issues = planIssueLines(plan);
    if (issues.length) out.info(['needs a look:', ...issues].join('\n'));
  }
  if (flags.json) out.json(planJson(plan));
  return EXIT.ok;
}
