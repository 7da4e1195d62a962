// The one table of what an item can end as, and the words a person is given for it: which
// ledger event records it, which summary count it adds to, how a report shows it, whether it
// needs a person. The plan, the executor and the reports all speak through this file.
import type { OutcomeType } from './api/outcome.js';

/** Where an item stands after a run: the vocabulary the summary, the reports and the plan share. */
export type Status = 'created' | 'adopted' | 'exists' | 'failed' | 'in_doubt' | 'in_flight' | 'blocked' | 'abandoned' | 'absent' | 'conflict';

/** The summary's counts (`Tally` keys), in the order the summary, `--json` and the metrics give them. */
export const TALLY_KEYS = ['created', 'exists', 'adopted', 'failed', 'in_doubt', 'conflict', 'blocked', 'skipped', 'not_started'] as const;
export type TallyKey = (typeof TALLY_KEYS)[number];

interface StatusRow {
  /** The ledger event that records it; undefined when only the plan knows it (blocked). */
  ledger?: 'created' | 'adopted' | 'exists' | 'failed' | 'in_doubt' | 'abandoned' | 'absent' | 'conflict';
  /** What a run that ends the item so adds to. */
  tally: TallyKey;
  /** Listed by `report --failed` and the summary's "needs a look". */
  needsPerson: boolean;
}

export const STATUS: Readonly<Record<Status, StatusRow>> = Object.freeze({
  created: { ledger: 'created', tally: 'created', needsPerson: false },
  adopted: { ledger: 'adopted', tally: 'adopted', needsPerson: false },
  // Done (the community exists), but its id is unknown until a person adopts it.
  exists: { ledger: 'exists', tally: 'exists', needsPerson: true },
  failed: { ledger: 'failed', tally: 'failed', needsPerson: true },
  in_doubt: { ledger: 'in_doubt', tally: 'in_doubt', needsPerson: true },
  // Sent, and the run died before the answer: the next run decides (communities are resent).
  in_flight: { tally: 'not_started', needsPerson: true },
  blocked: { tally: 'blocked', needsPerson: true },
  abandoned: { ledger: 'abandoned', tally: 'skipped', needsPerson: false },
  // A person said an in-doubt group does not exist: the next run sends it.
  absent: { ledger: 'absent', tally: 'not_started', needsPerson: false },
  // Its answer carried an id the ledger holds for another item: the ids are kept, nothing is
  // created under them (its groups are blocked) until a person settles it (`ledger resolve`).
  conflict: { ledger: 'conflict', tally: 'conflict', needsPerson: true },
});

/**
 * How each answer's outcome is written to the ledger. Answers that send the item again
 * (retry, throttled) and a fatal answer are `failed` lines: every attempt line gets an outcome
 * line, and a replay then knows nothing is in flight. (After a lost answer, a group's are
 * `in_doubt` lines instead: next-step.ts recordedBeforeResend.)
 */
export const OUTCOME_EVENT: Readonly<Record<OutcomeType, 'created' | 'exists' | 'failed' | 'in_doubt'>> = Object.freeze({
  created: 'created',
  exists: 'exists',
  in_doubt: 'in_doubt',
  failed: 'failed',
  retry: 'failed',
  throttled: 'failed',
  fatal: 'failed',
});

/**
 * What `report --failed` lists from the ledger alone: every status that needs a person, but
 * `exists` (adopting it needs its manifest row: with manifests, `exists` rows are listed too).
 */
export const REPORT_FAILED: ReadonlySet<Status> = new Set((Object.keys(STATUS) as Status[]).filter((s) => STATUS[s].needsPerson && s !== 'exists'));

/** `community_id X, chat_id Y`: the ids an answer (or a conflict line) carried, for reason texts. */
export function carriedIds(s: { community_id?: string; chat_id?: string; group_id?: string }): string {
  return (['community_id', 'chat_id', 'group_id'] as const).filter((f) => s[f]).map((f) => `${f} ${s[f]}`).join(', ') || 'ids';
}

/** The reason texts: what happened and the one thing to do, written once. */
export const REASON = {
  existsCommunity: (handle: string): string =>
    `the handle already exists on the server and its id is unknown: if it is yours, adopt it with genuin-provision ledger resolve ${handle} --community-id <id> (or community_id in its manifest entry)`,
  inDoubtGroup: (key: string, what = 'an earlier send may have created it and the API cannot tell'): string =>
    `${what}: look for it in Genuin, then genuin-provision ledger resolve ${key} --created (it exists) or --absent (it does not: the next run sends it)`,
  blockedByUnknownParent: (handle: string): string =>
    `community "${handle}" exists but its id is unknown: adopt it (genuin-provision ledger resolve ${handle} --community-id <id>, or community_id in its manifest entry) and the next run creates this group`,
  blockedByParent: (handle: string, parent: 'exists' | 'failed'): string =>
    parent === 'exists' ? `parent community "${handle}" exists but its id is unknown (see that community)` : `parent community "${handle}" failed (see that community)`,
  abandoned: (why: string | undefined): string => `abandoned by a person: ${why ?? 'no reason given'}`,
  parentAbandoned: (handle: string): string => `its community "${handle}" was abandoned by a person`,
  resendWithChatId: (key: string, chatId: string): string =>
    `its answer was lost; the API is proven to refuse a repeated chat_id, so the next run sends it again with the same chat_id ${chatId} and the answer settles it. To settle it now: genuin-provision ledger resolve ${key} --created or --absent`,
  inFlightCommunity: 'sent, but the run stopped before the answer: re-applying is safe (the handle is unique)',
  /** A community whose request was cut after it was sent (a second signal): its answer is unknown. */
  inDoubtCommunity: (handle: string): string =>
    `sent, but its answer was lost or cut: it may exist. Re-applying is safe (the handle is unique); if that answers "exists", it was created then: adopt it with genuin-provision ledger resolve ${handle} --community-id <id> (found in Genuin, you may adopt it now)`,
  waitsForParent: (handle: string): string => `waits for its community "${handle}" (in this file): it is created once the community is`,
  /** An item whose answer carried `ids` (`community_id X`, …) that the ledger holds for `heldBy` (`<kind> <key>`). */
  conflict: (kind: 'community' | 'group', key: string, ids: string, heldBy: string): string =>
    `its answer carried ${ids}, which the ledger holds for ${heldBy} (a conflict): nothing is created under it. Look for both in Genuin, then genuin-provision ledger resolve ${key} ${
      kind === 'community' ? '--community-id <its own id>' : '--created <its own chat_id>'
    } (or --abandon)`,
  /** The other side of a conflict: the item that holds the id. */
  holdsConflictedId: (ids: string, other: string): string => `holds ${ids}, which an answer also gave ${other} (a conflict: see that item)`,
  blockedByConflict: (handle: string, heldBy: string): string =>
    `its community "${handle}" got an id the ledger holds for ${heldBy} (a conflict): nothing is created under it until a person settles it (see that community)`,
} as const;
