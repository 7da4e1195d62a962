// `ledger resolve`: a person's verdict on an item that needs one, appended as one ledger line
// through the writer, under the lock. The rules of which state can be resolved how live here.
import type { ItemKind } from '../api/schema.js';
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { ConfigError, LedgerError } from '../errors.js';
import { chatIdHolder } from './chat-id-holder.js';
import type { ItemState, LedgerEvent } from './event.js';
import { fileLedgerStore } from './file-store.js';
import { lastSentChatId, stateWords } from './show.js';
import type { LedgerStore } from './store.js';

/** What a person found out about the item. */
export type Resolution =
  /** The in-doubt group exists. `chatId` undefined: the one its latest attempt line recorded as sent. */
  | { action: 'created'; chatId?: string }
  /** The in-doubt group does not exist: the next run sends it. */
  | { action: 'absent' }
  /** The community whose handle `exists` is ours, with this id: adopted, its groups proceed. */
  | { action: 'adopt'; communityId: string }
  /** Keep it in the manifest, but runs skip it (and exit 0). */
  | { action: 'abandon'; reason: string };

/** The `by` of every line this module writes. */
export const RESOLVE_BY = 'ledger resolve';

/** The kind each action applies to; undefined: either. */
const ACTION_KIND: Record<Resolution['action'], ItemKind | undefined> = { created: 'group', absent: 'group', adopt: 'community', abandon: undefined };

/** An item whose answer carried another item's id (`held_by`), not yet settled by a person. */
export function isConflict(s: ItemState | undefined): boolean {
  return s !== undefined && s.status === 'conflict' && !s.inFlight;
}

/** A group whose send may have created it: answered in doubt, or in flight when a run died. */
export function isInDoubt(s: ItemState | undefined): boolean {
  return s !== undefined && s.kind === 'group' && (s.status === 'in_doubt' || s.inFlight || s.status === undefined);
}

/**
 * Why `resolution` does not apply to an item in state `s`, as one line naming the state it is
 * in; undefined when it applies.
 */
export function refusal(kind: ItemKind, key: string, s: ItemState | undefined, resolution: Resolution): string | undefined {
  const what = `${kind} ${key} is ${stateWords(s)}`;
  switch (resolution.action) {
    case 'created':
    case 'absent':
      if (kind !== 'group') return `${what}: --${resolution.action} is for groups in doubt (a community is never in doubt: re-sending it is safe, its handle is unique)`;
      // A conflicted group exists (its answer was a 200): a person gives the chat_id it really has.
      if (isConflict(s)) {
        if (resolution.action === 'absent') return `${what}: it was created (its answer carried another group's ids): give its own chat_id with --created <chat_id>, or --abandon`;
        if (resolution.chatId === undefined) return `${what}: give the chat_id it has in Genuin: --created <chat_id>`;
        if (resolution.chatId === s!.chat_id) return `${what}: chat_id ${resolution.chatId} is the one ${s!.held_by} holds: give this group's own`;
        return undefined;
      }
      if (!isInDoubt(s)) return `${what}, not in doubt: nothing to resolve`;
      return undefined;
    case 'adopt':
      if (kind !== 'community') return `${what}: --community-id is for a community whose handle exists with an unknown id`;
      if (isConflict(s)) {
        if (resolution.communityId === s!.community_id) return `${what}: community_id ${resolution.communityId} is the one ${s!.held_by} holds: give this community's own`;
        return undefined;
      }
      // In doubt (its answer was lost, or its run stopped): a person who found it in Genuin may adopt it at once.
      const adoptable = s !== undefined && (s.status === 'exists' || s.status === 'in_doubt' || s.inFlight);
      if (!adoptable) return `${what}, not "exists" or in doubt: --community-id adopts a community whose handle exists with an unknown id`;
      return undefined;
    case 'abandon':
      if (!s) return `${what}: nothing to abandon`;
      if (s.status === 'abandoned' && !s.inFlight) return `${what}: already abandoned`;
      if ((s.status === 'created' || s.status === 'adopted') && !s.inFlight) return `${what}: it exists with a known id, nothing to abandon`;
      return undefined;
  }
}

/** The line that records the verdict. */
export function resolutionEvent(kind: ItemKind, key: string, resolution: Resolution & { chatId?: string }, run: string, at: Date): LedgerEvent {
  const base = { at: at.toISOString(), run, kind, key, by: RESOLVE_BY };
  switch (resolution.action) {
    case 'created':
      return { ...base, event: 'created', chat_id: resolution.chatId };
    case 'absent':
      return { ...base, event: 'absent' };
    case 'adopt':
      return { ...base, event: 'adopted', community_id: resolution.communityId };
    case 'abandon':
      return { ...base, event: 'abandoned', message: resolution.reason };
  }
}

export interface ResolveOptions {
  /** `--kind`; otherwise the kind that holds the key (or the one the action applies to). */
  kind?: ItemKind;
  onWarning?: (message: string) => void;
  now?: () => Date;
  /** Near keys for an unknown key's message ("did you mean …?"); the caller's choice of matching. */
  suggest?: (key: string, known: Iterable<string>) => string | undefined;
}

export interface Resolved {
  kind: ItemKind;
  key: string;
  /** The item's state before the verdict, in words. */
  before: string;
  /** The line appended. */
  line: LedgerEvent;
}

/**
 * Checks the verdict against the item's state and appends its line: lock, replay, check, open
 * the writer (which repairs a torn tail first), append (durable on return), close, unlock. A
 * verdict that does not fit the item's state is a ConfigError (exit 2) naming that state.
 */
export async function resolveItem(path: string, key: string, resolution: Resolution, options: ResolveOptions = {}): Promise<Resolved> {
  await mustExist(path);
  // The lock names the ledger's real file (a symlink resolved): read and write that one.
  return resolveIn(fileLedgerStore(path, { via: 'real' }), key, resolution, options);
}

/** resolveItem on a ledger of any store (the caller checked that it exists). */
export async function resolveIn(store: LedgerStore, key: string, resolution: Resolution, options: ResolveOptions = {}): Promise<Resolved> {
  const now = options.now ?? (() => new Date());
  const path = store.name;
  const lock = await store.lock({ onWarning: options.onWarning, now });
  try {
    const state = await lock.read({ onWarning: options.onWarning });
    const kind = pickKind(state, key, options.kind ?? ACTION_KIND[resolution.action], options.kind !== undefined, path, options.suggest);
    const item = state.get(kind, key);
    const refused = refusal(kind, key, item, resolution);
    if (refused !== undefined) throw new ConfigError(refused);
    // Settling a conflict with an id another community holds would only make another conflict.
    if (resolution.action === 'adopt' && isConflict(item)) {
      const holder = state.handleOf(resolution.communityId);
      if (holder !== undefined && holder !== key) throw new ConfigError(`community ${key}: community_id ${resolution.communityId} is the one the ledger holds for community ${holder}: give this community's own`);
    }

    let chatId = resolution.action === 'created' ? resolution.chatId : undefined;
    if (resolution.action === 'created') {
      const sent = item?.sent_chat_id ?? lastSentChatId(await lock.history(key, 'group'));
      if (chatId === undefined) {
        chatId = sent ?? item?.chat_id;
        if (chatId === undefined) {
          throw new ConfigError(`group ${key}: the ledger holds no chat_id sent for it (its attempt lines predate chat_ids): give the one found in Genuin: --created <chat_id>`);
        }
      } else if (sent !== undefined && sent !== chatId) {
        options.onWarning?.(`group ${key}: its last attempt sent chat_id ${sent}; recording ${chatId} as given`);
      }
      const holder = chatIdHolder(state.items.values(), chatId, key);
      if (holder !== undefined) {
        throw new ConfigError(`group ${key}: chat_id ${chatId} is the one the ledger holds for group ${holder.key} (${stateWords(holder)}): two groups never share a chat_id; give the one found in Genuin for ${key}`);
      }
    }

    const line = resolutionEvent(kind, key, { ...resolution, chatId }, `resolve-${randomUUID()}`, now());
    const writer = await lock.openWriter({ now });
    try {
      await writer.append(line);
    } finally {
      await writer.close();
    }
    return { kind, key, before: stateWords(item), line };
  } finally {
    await lock.release();
  }
}

async function mustExist(path: string): Promise<void> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new ConfigError(`ledger ${path} is not a file`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ConfigError(`ledger ${path} does not exist: nothing to resolve (is --ledger or GENUIN_LEDGER the one the runs used?)`);
    }
    if (error instanceof ConfigError) throw error;
    throw new LedgerError(`cannot read ledger ${path}: ${(error as Error).message}`);
  }
}

/**
 * The kind of `key`: the one given; else the only kind that holds it; else, when both do, the
 * kind the action applies to. An unknown key is a ConfigError, with a near key when one is cheap.
 */
export function pickKind(
  state: { get(kind: ItemKind, key: string): ItemState | undefined; items: Map<string, ItemState> },
  key: string,
  preferred: ItemKind | undefined,
  explicit: boolean,
  path: string,
  suggest?: (key: string, known: Iterable<string>) => string | undefined,
): ItemKind {
  const held = (['community', 'group'] as const).filter((k) => state.get(k, key) !== undefined);
  if (explicit && preferred) {
    if (held.includes(preferred)) return preferred;
    if (held.length > 0) throw new ConfigError(`no ${preferred} "${key}" in ledger ${path}: it holds a ${held[0]} of that key, which is ${stateWords(state.get(held[0]!, key))}`);
    throw new ConfigError(unknownKey(state, key, path, suggest));
  }
  if (held.length === 1) return held[0]!;
  if (held.length === 2) {
    if (preferred) return preferred;
    throw new ConfigError(`"${key}" is both a community and a group in ledger ${path}: say which with --kind community or --kind group`);
  }
  throw new ConfigError(unknownKey(state, key, path, suggest));
}

/** `no item "alpa" in ledger …: did you mean "alpha"?` */
export function unknownKey(
  state: { items: Map<string, ItemState> },
  key: string,
  path: string,
  suggest?: (key: string, known: Iterable<string>) => string | undefined,
): string {
  const near = suggest?.(key, (function* () {
    for (const s of state.items.values()) yield s.key;
  })());
  return `no item "${key}" in ledger ${path}${near !== undefined ? `: did you mean "${near}"?` : ' (ledger show and report list what it holds)'}`;
}
