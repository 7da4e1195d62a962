// `plan` as one call: what apply would do, from the manifests and the ledger as it is now;
// sends nothing and keeps no request bodies (most of a million-item plan's memory).
import type { ChatIdProfile } from '../api/chat-id-profile.js';
import { formatFault, type ManifestFault } from '../errors.js';
import { holdProfile } from '../run/chat-id-trust.js';
import type { RunConfig } from '../config/run-config.js';
import { ledgerExistsAt, readLedgerAt } from '../ledger/open.js';
import { makePlan } from './make-plan.js';
import type { Plan } from '../plan/plan.js';
import type { Observers } from './observers.js';

export interface PlannedManifests {
  /** For showing: its items carry no request bodies. */
  plan: Plan;
  warnings: ManifestFault[];
  /** The ledger the plan was read from (absolute), and whether it existed: a missing one plans everything as new. */
  ledgerPath: string;
  ledgerExisted: boolean;
  /** What a repeated chat_id does on this API, as the run would hold it (the ledger's evidence, or the setting). */
  chatIdProfile: ChatIdProfile;
}

/** Throws ManifestError (every fault of every file) when any manifest is invalid. Manifest warnings go to onWarning too. */
export async function planManifests(
  files: string[],
  config: Pick<RunConfig, 'ledgerPath' | 'limits' | 'retryInDoubt' | 'chatIdSetting'>,
  observers: Observers = {},
): Promise<PlannedManifests> {
  // The file, or PostgreSQL for a postgres:// ledger.
  const ledger = await readLedgerAt(config.ledgerPath, { onWarning: observers.onWarning });
  const ledgerExisted = await ledgerExistsAt(config.ledgerPath);
  // As apply would hold it: a setting that contradicts the ledger's evidence is refused here too.
  const { profile } = holdProfile(ledger.profileObserved, config.chatIdSetting, config.ledgerPath, 'plan');
  const { plan, warnings } = await makePlan(files, { ledger, retryInDoubt: config.retryInDoubt, limits: config.limits, keepBodies: false, chatIdProfile: profile });
  for (const w of warnings) observers.onWarning?.(formatFault(w));
  return { plan, warnings, ledgerPath: config.ledgerPath, ledgerExisted, chatIdProfile: profile };
}
