// What plan, apply and report say about the ledger they use: that it does not exist yet, or that
// a run's answers suggest it is not the ledger used before. The rule that finds it is config/run-config.ts's.
import { existsSync } from 'node:fs';
import { ledgerRuleText, type LedgerLocation } from '../config/run-config.js';
import { isPostgresUrl, redactPgUrl } from '../ledger/pg/url.js';
import type { Environment } from './environment.js';

/** The line plan, apply and report print when the file is not there: a run in the wrong directory starts an empty ledger. */
export function missingLedgerText(path: string): string {
  return `ledger ${path} does not exist yet: everything is planned as new`;
}

/** Whether the ledger is there; a PostgreSQL ledger's tables are made on first use, so it is there once its replay (`state`) held a line. */
export function ledgerExists(path: string, state?: { lines: number; api?: string }): boolean {
  if (isPostgresUrl(path)) return state !== undefined && (state.lines > 0 || state.api !== undefined);
  return existsSync(path);
}

/** Whether a run's answers suggest it used the wrong ledger: a young ledger, and many handles already taken. */
export function looksLikeAnotherLedger(facts: { runsBefore: number; existedBefore: boolean; exists: number; communitiesSent: number }): boolean {
  const young = !facts.existedBefore || facts.runsBefore < 2;
  return young && facts.exists >= 3 && facts.exists * 2 >= facts.communitiesSent;
}

/** The summary's note for looksLikeAnotherLedger. */
export function anotherLedgerText(location: LedgerLocation, exists: number, env: Environment, cwd = process.cwd()): string {
  const how =
    location.from === '--ledger' ? 'given by --ledger' : location.from === 'GENUIN_LEDGER' ? `given by GENUIN_LEDGER=${isPostgresUrl(env.GENUIN_LEDGER ?? '') ? redactPgUrl(env.GENUIN_LEDGER!) : env.GENUIN_LEDGER}` : 'the default, in the working directory';
  return [
    `${exists} communities already exist on the server, but ledger ${location.path} (${how}) is new: it is probably not the ledger used before.`,
    `  ${ledgerRuleText(cwd)}.`,
    '  Run from the directory of the earlier runs, or point --ledger or GENUIN_LEDGER at their ledger; if these communities are yours and no ledger has them, adopt each with: genuin-provision ledger resolve <handle> --community-id <id>',
  ].join('\n');
}
