// The ledger verbs as calls: compact, resolve (a person's verdict on an item), show (an item's
// history) and append (lines a run printed because it could not write them), on the ledger of a run configuration.
import { ConfigError } from '../errors.js';
import type { RunConfig } from '../config/run-config.js';
import type { ItemState, LedgerEvent } from '../ledger/event.js';
import { appendLines, type AppendResult } from '../ledger/append.js';
import { compactLedger, type CompactResult } from '../ledger/compact.js';
import { readLedger } from '../ledger/replay.js';
import { resolveItem, unknownKey, type Resolution, type Resolved } from '../ledger/resolve.js';
import { itemHistory, lastSentChatId } from '../ledger/show.js';
import { didYouMean } from '../manifest/suggest.js';
import type { Observers } from './observers.js';

export { isInDoubt, type Resolution, type Resolved } from '../ledger/resolve.js';
export { historyLine, stateWords } from '../ledger/show.js';
export type { AppendResult } from '../ledger/append.js';
export type { CompactResult } from '../ledger/compact.js';

type Kind = 'community' | 'group';

/** All a ledger verb needs of the run configuration. */
export type LedgerConfig = Pick<RunConfig, 'ledgerPath'>;

/** Rewrites the ledger as one line per item, atomically, under the lock (refused while a run holds it). */
export async function compactLedgerOf(config: LedgerConfig, observers: Observers = {}): Promise<CompactResult> {
  return compactLedger(config.ledgerPath, { onWarning: observers.onWarning });
}

/**
 * Records a person's verdict on `key` (appended under the lock, durable). A verdict that does
 * not fit the item's state, or an unknown key (with a near one suggested), is a ConfigError.
 */
export async function resolveLedgerItem(key: string, resolution: Resolution, config: LedgerConfig, options: Observers & { kind?: Kind } = {}): Promise<Resolved> {
  return resolveItem(config.ledgerPath, key, resolution, { kind: options.kind, onWarning: options.onWarning, suggest: didYouMean });
}

export interface ShownItem {
  kind: Kind;
  /** Its state now. */
  state: ItemState;
  /** Every ledger line written for it, in file order. */
  history: LedgerEvent[];
  /** The chat_id its latest send carried, if any (what to look for in Genuin). */
  sentChatId?: string;
}

/** The items of `key` (of `kind`, or of both kinds that hold it). An unknown key is a ConfigError. */
export async function showLedgerItem(key: string, config: LedgerConfig, options: Observers & { kind?: Kind } = {}): Promise<ShownItem[]> {
  const path = config.ledgerPath;
  const state = await readLedger(path, { onWarning: options.onWarning });
  const kinds = (options.kind ? [options.kind] : (['community', 'group'] as const)).filter((k) => state.get(k, key) !== undefined);
  if (kinds.length === 0) {
    const prefix = options.kind ? `no ${options.kind} "${key}"; ` : '';
    throw new ConfigError(prefix + unknownKey(state, key, path, didYouMean));
  }
  const history = await itemHistory(path, key);
  return kinds.map((kind) => {
    const item = state.get(kind, key)!;
    const own = history.filter((e) => e.kind === kind);
    return { kind, state: item, history: own, sentChatId: item.sent_chat_id ?? lastSentChatId(own) ?? item.chat_id };
  });
}

/** Appends the ledger lines in `file` (other lines skipped), checked, under the lock, durable; a bad line appends nothing. */
export async function appendLedgerLines(file: string, config: LedgerConfig, observers: Observers = {}): Promise<AppendResult> {
  return appendLines(config.ledgerPath, file, { onWarning: observers.onWarning });
}
