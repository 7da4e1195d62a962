// `plan`: what apply would do, from the manifests and the ledger; sends nothing.
import { once } from 'node:events';
import { EXIT, ManifestError, type ExitCode } from '../../errors.js';
import type { Plan } from '../../plan/plan.js';
import { profileWords } from '../../api/chat-id-profile.js';
import { resolveRunConfig } from '../../config/run-config.js';
import { planManifests } from '../../pipeline/plan.js';
import { droppedDetailLines, planCountsText, planDetailLines, planIssueLines, planJson } from '../render.js';
import type { Environment } from '../environment.js';
import { reportFaults } from '../faults.js';
import { missingLedgerText } from '../ledger-notes.js';
import type { Output } from '../output.js';

export interface PlanFlags {
  ledger?: string;
  detail?: boolean;
  json?: boolean;
  retryInDoubt?: boolean;
  chatIdExists?: string;
  simulate?: boolean;
  env: Environment;
}

export async function runPlan(files: string[], flags: PlanFlags, out: Output): Promise<ExitCode> {
  if (flags.json) out.jsonMode();
  const config = resolveRunConfig({ flags, env: flags.env, requireApi: false });
  let made;
  try {
    made = await planManifests(files, config, { onWarning: (m) => out.warn(m) });
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    reportFaults(error, out);
    return EXIT.usage;
  }
  const { plan, ledgerPath: path } = made;
  // Which ledger, first: a plan read from an empty ledger in the wrong directory looks plausible.
  out.info(made.ledgerExisted ? `ledger: ${path}` : missingLedgerText(path));
  if (flags.detail) {
    for (let i = 0; i < plan.items.length; i += CHUNK) {
      for (const line of planDetailLines(slice(plan, i))) out.info(line);
    }
    for (const line of droppedDetailLines(plan)) out.info(line);
  }
  out.info(planCountsText(plan));
  // Whether lost answers resend themselves or wait for a person depends on it: say which.
  if (plan.counts.in_doubt > 0 || plan.items.some((i) => i.answerLost)) out.info(`a repeated chat_id on this API: ${profileWords(made.chatIdProfile)}`);
  if (!flags.detail) {
    const issues = planIssueLines(plan);
    if (issues.length) out.info(['needs a look:', ...issues].join('\n'));
  }
  if (flags.json) await writePlanJson(plan, path);
  return EXIT.ok;
}

/** Items rendered at a time: a million-item plan is never turned into one array of lines or one string. */
const CHUNK = 1000;

function slice(plan: Plan, from: number): Plan {
  return { ...plan, items: plan.items.slice(from, from + CHUNK) };
}

async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
}

/** `plan --json`, written a chunk of items at a time; the same text as `JSON.stringify({ ledger, ...planJson(plan) }, null, 2)`. */
async function writePlanJson(plan: Plan, ledger: string): Promise<void> {
  const n = plan.items.length;
  if (n === 0) return write(`${JSON.stringify({ ledger, ...(planJson(plan) as object) }, null, 2)}\n`);
  // `{ "ledger": …, "counts": … }` without its closing brace, then the items array by hand,
  // indented as JSON.stringify would indent it two levels down.
  await write(`${JSON.stringify({ ledger, counts: plan.counts }, null, 2).slice(0, -2)},\n  "items": [\n`);
  for (let i = 0; i < n; i += CHUNK) {
    const { items } = planJson(slice(plan, i)) as { items: unknown[] };
    const text = items.map((item) => `    ${JSON.stringify(item, null, 2).replace(/\n/g, '\n    ')}`).join(',\n');
    await write(`${text}${i + CHUNK < n ? ',' : ''}\n`);
  }
  await write(`  ],\n  "dropped": ${JSON.stringify(plan.dropped ?? [], null, 2).replace(/\n/g, '\n  ')}\n}\n`);
}
