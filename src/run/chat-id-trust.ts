// The chat_id profile a run holds: the ledger's evidence (a probe, or a setting an earlier run
// recorded) and the person's setting, reconciled once before anything is sent. Two sources that
// disagree stop the run: guessing between them is how a duplicate would be made.
import { describeAnswer, profileLine, profileOf, settingValue, type ChatIdProfile } from '../api/chat-id-profile.js';
import { ConfigError } from '../errors.js';
import type { Observed } from '../ledger/event.js';

export interface HeldProfile {
  profile: ChatIdProfile;
  /** A line to append before the run sends anything: the setting, recorded as this ledger's evidence. */
  record?: Observed;
}

/**
 * The profile for a run on `ledgerName`: the setting when given (recorded in the ledger when it
 * says something new), else the ledger's. A setting that contradicts the ledger's evidence is a
 * ConfigError naming both.
 */
export function holdProfile(fromLedger: Observed | undefined, setting: ChatIdProfile | undefined, ledgerName: string, run: string, now: Date = new Date()): HeldProfile {
  const recorded = profileOf(fromLedger);
  if (setting === undefined || setting.unique === 'unknown') return { profile: recorded };
  if (recorded.unique === 'unknown') return { profile: setting, record: profileLine(setting, run, now) };
  if (settingValue(recorded) === settingValue(setting)) return { profile: recorded };
  throw new ConfigError(
    `${givenAs(setting)} says ${said(setting)}, but ledger ${ledgerName} records (${recorded.source}${recorded.at ? ` of ${recorded.at}` : ''}) that ${said(recorded)}; nothing was sent: drop the setting, or run genuin-provision probe again to settle which is true`,
  );
}

/** The flag or variable a setting came from (its evidence says `given as --chat-id-exists …`). */
function givenAs(setting: Exclude<ChatIdProfile, { unique: 'unknown' }>): string {
  return /^given as (--[\w-]+|[A-Z_]+)/.exec(setting.evidence ?? '')?.[1] ?? 'the setting';
}

function said(p: Exclude<ChatIdProfile, { unique: 'unknown' }>): string {
  return p.unique ? `a repeated chat_id is refused with ${describeAnswer(p.exists)}` : 'a repeated chat_id is not refused';
}

/** A lost answer is resent only with proof that a repeated chat_id is refused, and while no answer showed client chat_ids ignored. */
export function mayResendLost(profile: ChatIdProfile, chatIdsHonoured: boolean | undefined): boolean {
  return profile.unique === true && chatIdsHonoured !== false;
}
