// Many verdicts in one command (`ledger resolve --from | --all-in-doubt | --adopt`): each one
// checked against the ledger's state under its lock by the rules of resolve.ts, then all of
// them appended through the writer in one durable write, or, if any is refused, none.
import type { ItemKind } from '../api/schema.js';
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { ConfigError, LedgerError } from '../errors.js';
import type { ItemState, LedgerEvent } from './event.js';
import { heldIds, type HeldIds } from './held-ids.js';
import type { LedgerState } from './replay.js';
import { pickKind, refusal, resolutionEvent, type Resolution } from './resolve.js';
import type { LedgerStore } from './store.js';

/** One verdict a person gave, and where it was given. */
export interface Decision {
  /** Undefined: the kind that holds the key (as the single-key form picks it). */
  kind?: ItemKind;
  key: string;
  resolution: Resolution;
  /** Where it was given, for a refusal: `fix.csv:7`. Undefined for a filter's decisions. */
  place?: string;
}

/** One line to append, with what it changes. */
export interface Change {
  kind: ItemKind;
  key: string;
  /** The item's state before, in a word or two: `in doubt`, `exists`, `failed`. */
  before: string;
  line: LedgerEvent;
  place?: string;
  /** Something the person may want to know (a chat_id other than the one sent). */
  note?: string;
}

export interface BulkCheck {
  changes: Change[];
  /** One line each, `place: why`; any one means nothing is written. */
  refusals: string[];
}

/** Decisions given as a list, or drawn from the ledger's state as read under the lock (a filter). */
export type DecisionSource = readonly Decision[] | ((state: LedgerState) => readonly Decision[]);

/** Some decisions do not fit the ledger: nothing was written. Carries every refusal, one line each. */
export class RefusedDecisions extends ConfigError {
  override name = 'RefusedDecisions';
  constructor(
    readonly refusals: readonly string[],
    readonly ledger: string,
  ) {
    super(`${refusals.length} decision${refusals.length === 1 ? '' : 's'} refused; nothing was written to ${ledger}`);
  }
}

/** The kind each action applies to, for a decision without one (as resolve.ts picks it). */
const ACTION_KIND: Record<Resolution['action'], ItemKind | undefined> = { created: 'group', absent: 'group', adopt: 'community', abandon: undefined };

/** `in doubt`, `exists`, `failed`: the state an item leaves, for the preview. */
export function shortState(s: ItemState | undefined): string {
  if (!s) return 'not in the ledger';
  if (s.inFlight || s.status === undefined) return s.kind === 'group' ? 'in doubt' : 'in flight';
  return s.status.replace('_', ' ');
}

export interface CheckOptions {
  /** What messages call the ledger. */
  path: string;
  suggest?: (key: string, known: Iterable<string>) => string | undefined;
  now?: () => Date;
  /** The run id of the lines (one per command). */
  run?: string;
}

/**
 * Every decision against the state: an unknown key (with a near one), a verdict the state does
 * not fit (refusal()), an id another item holds in the ledger or in this input, one item decided
 * twice differently. A decision repeated word for word counts once.
 */
export function checkDecisions(state: LedgerState, decisions: readonly Decision[], options: CheckOptions): BulkCheck {
  const now = options.now ?? (() => new Date());
  const run = options.run ?? `resolve-${randomUUID()}`;
  const held: HeldIds = heldIds(state.items.values());
  const changes: Change[] = [];
  const refusals: string[] = [];
  const decided = new Map<string, Decision>();
  const claimed = { chat: new Map<string, { key: string; place?: string }>(), community: new Map<string, { key: string; place?: string }>() };
  const at = (d: { place?: string }) => (d.place !== undefined ? `${d.place}: ` : '');
  const also = (place: string | undefined) => (place !== undefined ? ` at ${place}` : '');

  for (const d of decisions) {
    let kind: ItemKind;
    try {
      kind = pickKind(state, d.key, d.kind ?? ACTION_KIND[d.resolution.action], d.kind !== undefined, options.path, options.suggest);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      refusals.push(at(d) + error.message);
      continue;
    }
    const id = `${kind}\t${d.key}`;
    const earlier = decided.get(id);
    if (earlier) {
      if (!isDeepStrictEqual(earlier.resolution, d.resolution)) {
        refusals.push(`${at(d)}${kind} ${d.key} is decided twice, differently: ${verdictWords(earlier.resolution)}${also(earlier.place)}, ${verdictWords(d.resolution)} here; keep one`);
      }
      continue;
    }
    decided.set(id, d);
    const item = state.get(kind, d.key);
    const refused = refusal(kind, d.key, item, d.resolution);
    if (refused !== undefined) {
      refusals.push(at(d) + refused);
      continue;
    }

    let chatId: string | undefined;
    let note: string | undefined;
    if (d.resolution.action === 'created') {
      const sent = item?.sent_chat_id;
      chatId = d.resolution.chatId ?? sent ?? item?.chat_id;
      if (chatId === undefined) {
        refusals.push(`${at(d)}group ${d.key}: the ledger holds no chat_id sent for it (its attempt lines predate chat_ids): give the one found in Genuin (created: <chat_id>)`);
        continue;
      }
      if (sent !== undefined && sent !== chatId) note = `its last attempt sent chat_id ${sent}`;
      const why = idTaken('chat_id', chatId, d, held.chatIdHolder(chatId, d.key), 'group', claimed.chat);
      if (why !== undefined) {
        refusals.push(at(d) + why);
        continue;
      }
    } else if (d.resolution.action === 'adopt') {
      const cid = d.resolution.communityId;
      const why = idTaken('community_id', cid, d, held.communityIdHolder(cid, d.key), 'community', claimed.community);
      if (why !== undefined) {
        refusals.push(at(d) + why);
        continue;
      }
    }
    const line = resolutionEvent(kind, d.key, { ...d.resolution, chatId }, run, now());
    changes.push({ kind, key: d.key, before: shortState(item), line, place: d.place, ...(note !== undefined ? { note } : {}) });
  }
  return { changes, refusals };
}

/** Why `id` cannot be this item's: the ledger or an earlier decision gives it to another. Claims it otherwise. */
function idTaken(
  name: string,
  id: string,
  d: Decision,
  holder: string | undefined,
  kind: ItemKind,
  claimed: Map<string, { key: string; place?: string }>,
): string | undefined {
  if (holder !== undefined) return `${kind} ${d.key}: ${name} ${id} is held by ${kind} ${holder} in the ledger; one id, one item`;
  const other = claimed.get(id);
  if (other !== undefined && other.key !== d.key) {
    return `${kind} ${d.key}: ${name} ${id} is also given to ${kind} ${other.key}${other.place !== undefined ? ` at ${other.place}` : ''}; one id, one item`;
  }
  claimed.set(id, { key: d.key, place: d.place });
  return undefined;
}

/** A verdict in the words of the input: `created`, `absent`, `adopt 6f0c`, `abandon ("why")`. */
export function verdictWords(r: Resolution): string {
  switch (r.action) {
    case 'created':
      return r.chatId !== undefined ? `created (chat_id ${r.chatId})` : 'created';
    case 'absent':
      return 'absent';
    case 'adopt':
      return `adopt (community_id ${r.communityId})`;
    case 'abandon':
      return `abandon ("${r.reason}")`;
  }
}

/** What a preview promised, to compare with what the ledger allows once its lock is held. */
export function fingerprint(changes: readonly Change[]): string {
  return JSON.stringify(changes.map((c) => [c.kind, c.key, c.line.event, c.line.chat_id, c.line.community_id, c.line.message]));
}

export interface SettleOptions {
  /** False: check and return the preview, without the lock (a consistent snapshot); nothing is written. */
  write: boolean;
  /**
   * The fingerprint of a preview a person confirmed (read without the lock, so that nobody's run
   * waits on the question): what the ledger allows under the lock must be the same, or nothing is written.
   */
  expect?: string;
  /** Told the check before anything is written (under the lock). Not called when `expect` is given. */
  onPreview?: (check: BulkCheck) => void;
  onWarning?: (message: string) => void;
  suggest?: (key: string, known: Iterable<string>) => string | undefined;
  now?: () => Date;
}

export interface Settled {
  check: BulkCheck;
  /** Lines appended (0 on a preview, or when nothing was to change). */
  written: number;
}

/** Checks the decisions and, with `write`, appends one line each under the lock, all durable together; any refusal: RefusedDecisions, nothing written. */
export async function settleDecisions(store: LedgerStore, source: DecisionSource, options: SettleOptions): Promise<Settled> {
  const checkOptions: CheckOptions = { path: store.name, suggest: options.suggest, now: options.now };
  const decide = (state: LedgerState) => checkDecisions(state, typeof source === 'function' ? source(state) : source, checkOptions);
  if (!options.write) {
    const check = decide(await store.read({ onWarning: options.onWarning }));
    if (check.refusals.length > 0) throw new RefusedDecisions(check.refusals, store.name);
    return { check, written: 0 };
  }
  const lock = await store.lock({ onWarning: options.onWarning, now: options.now });
  try {
    const check = decide(await lock.read({ onWarning: options.onWarning }));
    if (check.refusals.length > 0) throw new RefusedDecisions(check.refusals, store.name);
    if (options.expect !== undefined) {
      if (fingerprint(check.changes) !== options.expect) {
        throw new LedgerError(`ledger ${store.name} changed after the preview (a run or another command wrote to it): nothing was written; run the command again to see what it would write now`);
      }
    } else {
      options.onPreview?.(check);
    }
    if (check.changes.length === 0) return { check, written: 0 };
    const writer = await lock.openWriter({ now: options.now });
    try {
      // Appended together: the writer makes them durable in one write (or one commit).
      await Promise.all(check.changes.map((c) => writer.append(c.line)));
    } finally {
      await writer.close();
    }
    return { check, written: check.changes.length };
  } finally {
    await lock.release();
  }
}
